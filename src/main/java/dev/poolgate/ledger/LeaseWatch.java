package dev.poolgate.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.spi.properties.HazelcastProperties;
import dev.poolgate.cluster.ClusterConfig;
import dev.poolgate.cluster.GatewayMembers;
import dev.poolgate.scheduling.Lease;
import io.vertx.core.Context;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds out when the rest of the cluster may have taken this node's leases away, and gives them
 * up so that their upstream calls stop:
 * <ul>
 *   <li>a <b>stall</b>: the node did not run (SIGSTOP, GC pause) for about the failure-detection
 *   time, so the others may have declared it dead and purged its leases. Nothing here can run
 *   while the process is frozen; on the first tick after it runs again (within {@link #TICK_MS})
 *   every lease held is given up, and the ledger is fenced — it admits and grants
 *   nothing — until Hazelcast has had the time to settle who is a member. The ledger cannot be
 *   asked instead: the node's own copies of the entries still hold the purged leases until it
 *   learns it was removed;</li>
 *   <li>the loss of the <b>quorum</b> (fewer gateway members in view than the minimum cluster
 *   size): the majority this node cannot see purges its leases;</li>
 *   <li>a <b>merge</b> after a split: the node asks the ledger which of its leases it still
 *   records, and gives up the others.</li>
 * </ul>
 */
final class LeaseWatch {
  private static final Logger log = LoggerFactory.getLogger(LeaseWatch.class);
  /** Period of the stall ticks: a stall is noticed at most this long after the process runs again. */
  static final long TICK_MS = 200;
  /** The shortest gap taken for a stall, whatever the failure detection. */
  static final long MIN_STALL_MS = 1_000;

  private final Context context;
  private final HazelcastInstance hz;
  private final Map<String, Lease> held;
  /** The ids of the leases the ledger records for this node in a pool. */
  private final Function<String, Future<Set<String>>> recorded;
  private final int minClusterSize;
  private final long settleMs;
  private final StallWatch stalls;
  private final LeaseLossListener listener;
  private volatile long fencedUntil;
  /**
   * Ticks on a thread of its own: a busy or blocked event loop delays a Vert.x timer but is no
   * stall of the process, and must not cost the node its leases.
   */
  private ScheduledExecutorService ticker;
  private UUID lifecycleRegistration;

  /** Gives up every allotted unit at once (stall, quorum loss), with the reason. */
  private final java.util.function.Consumer<String> loseUnits;
  /** Checks the leases and units the node holds against the store (after a merge). */
  private final Runnable verifyUnits;

  LeaseWatch(Context context, HazelcastInstance hz, Map<String, Lease> held,
             Function<String, Future<Set<String>>> recorded, LeaseLossListener listener,
             java.util.function.Consumer<String> loseUnits, Runnable verifyUnits) {
    this.listener = listener;
    this.loseUnits = loseUnits;
    this.verifyUnits = verifyUnits;
    this.context = context;
    this.hz = hz;
    this.held = held;
    this.recorded = recorded;
    this.minClusterSize = ClusterConfig.minClusterSize(hz.getConfig());
    HazelcastProperties properties = new HazelcastProperties(hz.getConfig());
    long detectionMs = properties.getMillis(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS);
    long heartbeatMs = properties.getMillis(ClusterProperty.HEARTBEAT_INTERVAL_SECONDS);
    // the others may declare this node dead once it missed heartbeats for the detection time;
    // its last heartbeat went out up to one interval before it stopped
    this.stalls = new StallWatch(Math.max(MIN_STALL_MS, detectionMs - heartbeatMs), now());
    this.settleMs = detectionMs + heartbeatMs;
  }

  void start() {
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "poolgate-stall-watch");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    lifecycleRegistration = hz.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        context.runOnContext(v -> verify());
      }
    });
  }

  void stop() {
    ticker.shutdownNow();
    try {
      hz.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
    } catch (RuntimeException e) {
      log.debug("lifecycle listener not removed, the member is gone: {}", e.toString());
    }
  }

  /** True for a while after a stall: the node's view of the cluster is not to be trusted yet. */
  boolean fenced() {
    return now() < fencedUntil;
  }

  /** Whether this node sees enough gateway members for the ledger to work (always, without a minimum). */
  boolean quorumPresent() {
    if (minClusterSize <= 1) {
      return true;
    }
    try {
      return GatewayMembers.count(hz.getCluster().getMembers()) >= minClusterSize;
    } catch (RuntimeException e) {
      return false; // shutting down
    }
  }

  /** After a member left: without a quorum, the majority this node cannot see purges its leases. */
  void membersChanged() {
    if (!quorumPresent()) {
      String why = "this node is no longer in a quorum of " + minClusterSize + " gateway members";
      loseUnits.accept(why);
      if (!held.isEmpty()) {
        lose(held.keySet(), why);
      }
    }
  }

  /** On the ticker thread; the leases are given up on the ledger's context. */
  private void tick() {
    long stalled = stalls.tick(now());
    if (stalled == 0) {
      return;
    }
    fencedUntil = now() + settleMs;
    log.warn("this node stood still for {} ms (a stall from {} ms on): admitting nothing for {} ms while the"
        + " cluster settles", stalled, stalls.thresholdMs(), settleMs);
    context.runOnContext(v -> {
      String why = "this node stood still for " + stalled + " ms, long enough to be declared dead";
      loseUnits.accept(why);
      if (!held.isEmpty()) {
        lose(held.keySet(), why);
      }
    });
  }

  /** After a merge: gives up every lease the ledger no longer records for this node. */
  private void verify() {
    verifyUnits.run();
    Map<String, List<String>> byPool = new HashMap<>();
    held.values().forEach(l -> byPool.computeIfAbsent(l.pool(), p -> new java.util.ArrayList<>()).add(l.leaseId()));
    byPool.forEach((pool, mine) -> recorded.apply(pool)
        .onSuccess(ids -> lose(mine.stream().filter(id -> !ids.contains(id)).toList(),
            "the cluster dropped them while this node was split off"))
        .onFailure(e -> log.warn("checking this node's leases in pool {} after a merge failed: {}", pool,
            e.toString())));
  }

  /**
   * Forgets the leases at once (so no re-assertion brings them back) and tells the listener, which
   * ends their requests; their releases then find nothing to release.
   */
  private void lose(Collection<String> leaseIds, String why) {
    Set<String> lost = List.copyOf(leaseIds).stream().filter(id -> held.remove(id) != null).collect(Collectors.toSet());
    if (lost.isEmpty()) {
      return;
    }
    log.warn("giving up {} leases, their upstream calls are reset: {}", lost.size(), why);
    listener.leasesLost(lost);
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }
}
