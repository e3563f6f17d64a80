package dev.poolgate;

import dev.poolgate.admin.AdminState;
import dev.poolgate.cache.ResponseCache;
import dev.poolgate.dispatch.LiveRequests;
import dev.poolgate.keys.KeyLimiter;
import dev.poolgate.metrics.GatewayMetrics;
import dev.poolgate.usage.UsageAggregator;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * What every verticle of a node may ask about the node: ready for traffic, draining, in flight,
 * and the node's response cache, metrics, client key limiter and usage counts.
 */
public final class NodeState {
  private final ResponseCache cache;
  private final GatewayMetrics metrics;
  private final KeyLimiter keyLimiter;
  private final UsageAggregator usage;
  private final AtomicBoolean ready = new AtomicBoolean();
  private volatile dev.poolgate.console.ConsoleHub console;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LiveRequests liveRequests = new LiveRequests();
  private volatile AdminState admin;
  /** When this node's gateway was created: what /cluster/members reports as its start. */
  private final java.time.Instant startedAt = java.time.Instant.now();
  /** What else readiness waits for: in a cluster, a ledger that can admit (quorum, pools recorded). */
  private volatile BooleanSupplier serving = () -> true;

  /** A node that records no usage (tests, tools). */
  public NodeState(ResponseCache cache, GatewayMetrics metrics, KeyLimiter keyLimiter) {
    this(cache, metrics, keyLimiter, UsageAggregator.off());
  }

  public NodeState(ResponseCache cache, GatewayMetrics metrics, KeyLimiter keyLimiter, UsageAggregator usage) {
    this.cache = cache;
    this.metrics = metrics;
    this.keyLimiter = keyLimiter;
    this.usage = usage;
  }

  public java.time.Instant startedAt() {
    return startedAt;
  }

  /** Each client key's max_concurrency / max_rps / max_tpm (cluster-wide in cluster mode). */
  public KeyLimiter keyLimiter() {
    return keyLimiter;
  }

  /** Usage counts not yet in the usage database (a no-op aggregator when usage is off). */
  public UsageAggregator usage() {
    return usage;
  }

  /** The requests of this node that hold a slot, by lease: renewal only for these, and abort by lease id. */
  public LiveRequests liveRequests() {
    return liveRequests;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public ResponseCache cache() {
    return cache;
  }

  /** The console's push hub, or null when the node serves no HTTP. */
  public dev.poolgate.console.ConsoleHub console() {
    return console;
  }

  public void console(dev.poolgate.console.ConsoleHub console) {
    this.console = console;
  }

  /** The node's admin state (what {@code /admin} changes), or null when it runs without one. */
  public AdminState admin() {
    return admin;
  }

  public void admin(AdminState admin) {
    this.admin = admin;
  }

  public boolean ready() {
    return ready.get() && !draining.get() && serving.getAsBoolean();
  }

  /** Started, but waiting for what {@link #readyWhen} names (in a cluster: a quorum). */
  public boolean waiting() {
    return ready.get() && !draining.get() && !serving.getAsBoolean();
  }

  /** Makes readiness also wait for the condition (checked on every readiness probe). */
  public void readyWhen(BooleanSupplier condition) {
    this.serving = condition;
  }

  public void markReady() {
    ready.set(true);
  }

  public boolean draining() {
    return draining.get();
  }

  public void startDraining() {
    draining.set(true);
  }

  public int inFlight() {
    return inFlight.get();
  }

  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  public void requestEnded() {
    inFlight.decrementAndGet();
  }
}
