package dev.poolgate;

import dev.poolgate.admin.AdminState;
import dev.poolgate.api.ChatBusVerticle;
import dev.poolgate.bus.Ask;
import dev.poolgate.bus.Bus;
import dev.poolgate.cache.LocalResponseCache;
import dev.poolgate.cache.ResponseCache;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.console.ConsoleHub;
import dev.poolgate.console.ConsoleVerticle;
import dev.poolgate.dispatch.LiveRequests;
import dev.poolgate.health.HealthVerticle;
import dev.poolgate.http.IngressVerticle;
import dev.poolgate.keys.KeyLimiter;
import dev.poolgate.keys.LocalKeyLimiter;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.metrics.GatewayMetrics;
import dev.poolgate.ledger.LocalSlotLedger;
import dev.poolgate.ledger.SlotLedger;
import dev.poolgate.provider.ProviderVerticle;
import dev.poolgate.scheduler.Notes;
import dev.poolgate.scheduler.SchedulerVerticle;
import dev.poolgate.scheduler.SlotDeskVerticle;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.usage.UsageAggregator;
import dev.poolgate.usage.UsageVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * One poolgate node: deploys the scheduler (owning the ledger), the provider callers, the health
 * prober, the usage recorder and the HTTP ingress, and applies config changes to all of them.
 */
public final class Gateway {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  /** Verticle instances of ingress and providers: one per event loop by default. */
  public static final int DEFAULT_INSTANCES = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;

  private final Vertx vertx;
  private final NodeState node;
  private final List<String> deployments = Collections.synchronizedList(new ArrayList<>());
  private volatile GatewayConfig config;

  private Gateway(Vertx vertx, GatewayConfig config, ResponseCache cache, KeyLimiter keyLimiter) {
    this.vertx = vertx;
    this.config = config;
    this.node = new NodeState(cache, GatewayMetrics.of(vertx), keyLimiter, config.usage().enabled()
        ? new UsageAggregator(java.time.Clock.systemUTC(), UsageAggregator.DEFAULT_MAX_ROWS) : UsageAggregator.off());
    node.metrics().gaugeOf("poolgate_requests_active", "Requests in flight on this node", node, NodeState::inFlight);
    node.metrics().gaugeOf("poolgate_cache_entries", "Answers in the response cache (this node's view)", cache,
        ResponseCache::size);
    node.metrics().gaugeOf("poolgate_usage_pending_rows", "Usage rows counted but not yet in the usage database",
        node.usage(), UsageAggregator::size);
    node.metrics().counterOf("poolgate_orphaned_leases_total",
        "Held leases released by the renewal sweep because no live request held them", node.liveRequests(),
        LiveRequests::orphanedCount);
  }

  /** Starts a standalone node: the ledger in memory. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, new LocalSlotLedger(vertx, LedgerOptions.DEFAULT), id -> true, true);
  }

  /**
   * Starts a node on the given ledger.
   *
   * @param probes whether this node probes the instance with the given id
   * @param http   whether to serve HTTP (a library user may not want it)
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, SlotLedger ledger, Predicate<String> probes,
                                      boolean http) {
    return start(vertx, config, ledger, new LocalResponseCache(), probes, http);
  }

  /** As above, with the response cache to use (the cluster's in cluster mode). */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, SlotLedger ledger, ResponseCache cache,
                                      Predicate<String> probes, boolean http) {
    return start(vertx, config, ledger, cache, new LocalKeyLimiter(), probes, http);
  }

  /** As above, with the client key limiter to use (the cluster's in cluster mode); the gateway closes it. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, SlotLedger ledger, ResponseCache cache,
                                      KeyLimiter keyLimiter, Predicate<String> probes, boolean http) {
    Bus.registerCodecs(vertx, List.of(Ask.class, Lease.class, Notes.Release.class, Notes.Cancel.class,
        Notes.Probe.class, Notes.View.class, GatewayConfig.class, ProviderVerticle.ProbeRequest.class));
    Gateway gw = new Gateway(vertx, config, cache, keyLimiter);
    gw.node.readyWhen(ledger::available);
    // the ledger renews only the leases a live request of this node holds
    ledger.owners(gw.node.liveRequests());
    int instances = Math.max(1, Math.min(DEFAULT_INSTANCES, Runtime.getRuntime().availableProcessors()));
    Future<Void> chain = warmUp(vertx).compose(v -> gw.deploy(() -> new SchedulerVerticle(ledger, config), 1))
        .compose(v -> gw.deployPerLoop(() -> new SlotDeskVerticle(ledger), SlotDeskVerticle::perLoop))
        .compose(v -> gw.deployPerLoop(ProviderVerticle::new, ProviderVerticle::perLoop))
        .compose(v -> gw.deploy(() -> new HealthVerticle(config, probes), 1));
    if (config.usage().enabled()) {
      // before the request verticles, so it is undeployed after them and its last flush sees every request
      chain = chain.compose(v -> gw.deploy(() -> new UsageVerticle(config.usage(), gw.node.usage()), 1));
    }
    chain = chain.compose(v -> gw.deploy(() -> new ChatBusVerticle(config, gw.node), 1));
    if (http) {
      gw.node.console(new ConsoleHub(vertx, gw::config, gw.node::ready, gw.node.metrics().series()));
      chain = chain.compose(v -> gw.deploy(() -> new ConsoleVerticle(gw.node.console()), 1));
      chain = chain.compose(v -> gw.deploy(() -> new IngressVerticle(config, gw.node), instances));
    }
    return chain.map(v -> {
      gw.node.markReady();
      log.info("poolgate node ready: {} pools, {} instances{}", config.pools().size(), config.instances().size(),
          http ? ", HTTP on " + config.server().host() + ":" + config.server().port() : "");
      if (http) {
        warnIfOpen(config);
      }
      return gw;
    }).recover(e -> gw.close().transform(x -> Future.failedFuture(e)));
  }

  /**
   * Starts a standalone node on the configuration the admin state decided, and applies every
   * later change (admin API, file edit) to it.
   */
  public static Future<Gateway> start(Vertx vertx, AdminState admin) {
    GatewayConfig config = admin.config();
    return start(vertx, config).map(gw -> gw.administered(config, admin));
  }

  /** Hands the admin state its applier and the admin API its state. */
  public Gateway administered(GatewayConfig started, AdminState admin) {
    admin.bind(started, this::apply);
    node.admin(admin);
    return this;
  }

  public NodeState node() {
    return node;
  }

  public GatewayConfig config() {
    return config;
  }

  /** Applies a new configuration to every verticle; requests in flight keep their slots. */
  public void apply(GatewayConfig next) {
    if (next.keys().isEmpty() && !config.keys().isEmpty()) {
      warnIfOpen(next);
    }
    this.config = next;
    vertx.eventBus().publish(Bus.CONFIG_CHANGED, next, Bus.LOCAL);
  }

  /**
   * Stops taking requests, lets those in flight finish (at most the drain time), then undeploys
   * everything in reverse order, which releases what is left.
   */
  public Future<Void> shutdown(long drainTimeoutMs) {
    node.startDraining();
    long until = System.currentTimeMillis() + drainTimeoutMs;
    // runs on one context of this Vert.x whoever calls (a shutdown hook, a library user's thread)
    Promise<Void> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(x -> waitDrained(until).compose(v -> close()).onComplete(done));
    return done.future();
  }

  private Future<Void> waitDrained(long until) {
    if (node.inFlight() == 0 || System.currentTimeMillis() >= until) {
      if (node.inFlight() > 0) {
        log.warn("drain time over with {} requests still in flight", node.inFlight());
      }
      return Future.succeededFuture();
    }
    Promise<Void> later = Promise.promise();
    vertx.setTimer(100, id -> waitDrained(until).onComplete(later));
    return later.future();
  }

  public Future<Void> close() {
    List<String> ids = new ArrayList<>(deployments);
    Collections.reverse(ids);
    deployments.clear();
    AdminState admin = node.admin();
    Future<Void> chain = admin == null ? Future.succeededFuture() : admin.close().recover(e -> Future.succeededFuture());
    for (String id : ids) {
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> Future.succeededFuture()));
    }
    return chain.compose(v -> node.keyLimiter().close().recover(e -> Future.succeededFuture()));
  }

  /**
   * With no client key configured anyone who reaches the port may spend the upstreams' money:
   * fine on a laptop, not on a network. Said loudly, so nobody runs that way by accident.
   */
  static void warnIfOpen(GatewayConfig config) {
    if (!config.keys().isEmpty()) {
      return;
    }
    String host = config.server().host();
    List<String> lines = new java.util.ArrayList<>(List.of(
        "NO CLIENT KEYS CONFIGURED: this gateway is OPEN.",
        "Anyone who can reach " + host + ":" + config.server().port() + " may call every model without a key,",
        "with no per-key limits. Add a 'keys:' section to the config to require keys."));
    if (!loopback(host)) {
      lines.add("server.host '" + host + "' is NOT a loopback address: the gateway is reachable from");
      lines.add("other machines. Bind 127.0.0.1 or configure client keys.");
    }
    box(lines).forEach(log::warn);
  }

  /** The lines in a box of stars, each padded to the longest, so the right edge lines up. */
  static List<String> box(List<String> lines) {
    int width = lines.stream().mapToInt(String::length).max().orElse(0);
    String edge = "*".repeat(width + 4);
    List<String> boxed = new java.util.ArrayList<>();
    boxed.add(edge);
    lines.forEach(l -> boxed.add("* " + l + " ".repeat(width - l.length()) + " *"));
    boxed.add(edge);
    return boxed;
  }

  /** A loopback host by its text (no name lookup on the way up). */
  static boolean loopback(String host) {
    String h = host.trim().toLowerCase();
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]")
        || h.equals("0:0:0:0:0:0:0:1");
  }

  /** Extra provider instances deployed per event loop at most, to give every loop one. */
  private static final int MAX_EXTRA_PER_LOOP = 8;

  /** Netty's pooled allocator registers a JFR event class on its first chunk allocation. */
  private static final String NETTY_JFR_EVENT = "io.netty.buffer.AllocateChunkEvent";

  /**
   * Start-up work that would otherwise block an event loop once: registering Netty's JFR event
   * makes the JVM build its JFR metadata (~0.5 s), on whichever event loop first allocates a
   * pooled buffer — the first request's. Done here, on a worker, before any traffic.
   */
  private static Future<Void> warmUp(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      try {
        Class.forName(NETTY_JFR_EVENT, true, Gateway.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError noJfrEvents) {
        // a Netty without JFR events, or a JVM without JFR: nothing to pay up front
      }
      return null;
    }, false).mapEmpty();
  }

  /**
   * One instance per event loop (slot desks, providers), so every request finds one on its own
   * loop and takes its slot and makes its call with no thread hop. Vert.x
   * hands out event loops in turn, and contexts made meanwhile elsewhere shift the turn (a node
   * starting in a busy JVM saw three of four instances land on one loop): while a loop has none,
   * one more instance is deployed, a bounded number of times (a caller on a loop without one
   * still works, through the shared address, with a thread hop).
   */
  private Future<Void> deployPerLoop(java.util.function.Supplier<io.vertx.core.Deployable> factory,
                                     java.util.function.ToIntFunction<io.netty.channel.EventLoop> perLoop) {
    List<io.netty.channel.EventLoop> loops = new ArrayList<>();
    ((io.vertx.core.internal.VertxInternal) vertx).nettyEventLoopGroup()
        .forEach(e -> loops.add((io.netty.channel.EventLoop) e));
    return deploy(factory, Math.max(1, loops.size()))
        .compose(v -> coverLoops(loops, factory, perLoop, MAX_EXTRA_PER_LOOP * loops.size()));
  }

  private Future<Void> coverLoops(List<io.netty.channel.EventLoop> loops,
                                  java.util.function.Supplier<io.vertx.core.Deployable> factory,
                                  java.util.function.ToIntFunction<io.netty.channel.EventLoop> perLoop, int triesLeft) {
    if (triesLeft <= 0 || loops.stream().allMatch(l -> perLoop.applyAsInt(l) > 0)) {
      return Future.succeededFuture();
    }
    // a throwaway context moves Vert.x's round-robin on by one: a deployment that takes two loop turns
    // (its verticle's context and one its start makes) would otherwise keep landing on the same loops
    ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
    return deploy(factory, 1).compose(v -> coverLoops(loops, factory, perLoop, triesLeft - 1));
  }

  private Future<Void> deploy(java.util.function.Supplier<io.vertx.core.Deployable> factory, int instances) {
    return vertx.deployVerticle(factory, new DeploymentOptions().setInstances(instances))
        .onSuccess(deployments::add)
        .mapEmpty();
  }
}
