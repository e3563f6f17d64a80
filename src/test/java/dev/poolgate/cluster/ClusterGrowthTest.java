package dev.poolgate.cluster;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.ledger.HazelcastSlotLedger;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A member alone in its cluster makes no backup copies (it has no replica to send them to); the
 * state it built that way reaches members that join later by partition replication, and survives
 * the death of its first owner once the cluster has settled.
 */
class ClusterGrowthTest {
  private static final LedgerOptions FAST = new LedgerOptions(10_000, 2_000, 1_000, 100, 1_000);
  private TestCluster.Growing cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      TestCluster.stop(cluster.members());
    }
  }

  @Test
  void stateBuiltByALoneMemberReachesTheMembersThatJoinAndOutlivesIt() {
    cluster = TestCluster.growing(3);
    HazelcastSlotLedger first = await(HazelcastSlotLedger.create(cluster.members().get(0).vertx(),
        cluster.members().get(0).hz(), FAST));
    PoolSpec spec = new PoolSpec("grow", List.of(new InstanceSpec("a", 3, 1)), 10, HealthPolicy.DEFAULT);
    await(first.configure(List.of(spec)));
    // built alone, with no backup copies: two of the three slots leased
    await(first.acquire(request(5_000)));
    await(first.acquire(request(5_000)));

    ClusterNode.Member second = cluster.add();
    ClusterNode.Member third = cluster.add();
    HazelcastSlotLedger two = await(HazelcastSlotLedger.create(second.vertx(), second.hz(), FAST));
    HazelcastSlotLedger three = await(HazelcastSlotLedger.create(third.vertx(), third.hz(), FAST));
    await(two.configure(List.of(spec)));
    await(three.configure(List.of(spec)));
    Await.until("the cluster has settled", () -> cluster.members().stream()
        .allMatch(m -> m.hz().getPartitionService().isClusterSafe()));

    assertEquals(2, snapshot(three).inFlight(), "the joiners see the leases made alone");
    Lease fromTwo = await(two.acquire(request(5_000)));
    Throwable full = Await.awaitFailure(three.acquire(request(200)));
    assertEquals(ErrorKind.QUEUE_TIMEOUT, GatewayException.kindOf(full), "the cap of 3 holds across all three");

    // the first member dies: its two leases are purged, the entry lives on from its backup
    TestCluster.kill(cluster.members().get(0));
    await(two.release(fromTwo, Outcome.SUCCESS, null));
    Await.until("the first member's leases are purged, the last one released",
        () -> snapshot(three).inFlight() == 0);
    await(three.close());
    await(two.close());
  }

  private static SlotRequest request(long waitMs) {
    return new SlotRequest("grow", UUID.randomUUID().toString(), 5, System.currentTimeMillis() + waitMs, Set.of());
  }

  private static PoolSnapshot snapshot(HazelcastSlotLedger ledger) {
    return await(ledger.snapshot()).stream().filter(p -> p.name().equals("grow")).findFirst().orElseThrow();
  }
}
