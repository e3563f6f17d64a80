package dev.poolgate.ledger;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.cluster.ClusterConfig;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that loses the quorum (its partner of a two-node cluster with minimum size 2 dies) gives
 * up the leases it holds — a majority it cannot see would hand their slots on — tells its
 * listener, turns unavailable and admits nothing more.
 */
class LeaseLossTest {
  private List<ClusterNode.Member> members;
  private HazelcastSlotLedger ledger;

  @BeforeEach
  void start() {
    members = TestCluster.start(2, Map.of(ClusterConfig.MIN_CLUSTER_SIZE, "2"));
    ledger = TestCluster.await(HazelcastSlotLedger.create(members.get(0).vertx(), members.get(0).hz(),
        SlotLedgerContractTest.FAST, 1_000));
    PoolSpec spec = new PoolSpec("p", List.of(new InstanceSpec("a", 2, 1)), 10, HealthPolicy.DEFAULT);
    TestCluster.await(ledger.configure(List.of(spec)));
  }

  @AfterEach
  void stop() {
    TestCluster.await(ledger.close());
    TestCluster.stop(members);
  }

  @Test
  void losingTheQuorumGivesUpEveryLeaseHeld() {
    Lease lease = TestCluster.await(ledger.acquire(request()));
    assertTrue(ledger.available());
    Set<String> lost = ConcurrentHashMap.newKeySet();
    ledger.onLeasesLost(lost::addAll);

    TestCluster.kill(members.get(1));
    Await.until("the lease is given up", Duration.ofSeconds(15), () -> lost.contains(lease.leaseId()));
    assertEquals(Set.of(lease.leaseId()), lost);
    assertFalse(ledger.available(), "a node without quorum is available");
    Throwable refused = Await.awaitFailure(ledger.acquire(request()));
    assertEquals(ErrorKind.STORE_UNAVAILABLE, GatewayException.kindOf(refused));
  }

  private static SlotRequest request() {
    return new SlotRequest("p", UUID.randomUUID().toString(), 5, System.currentTimeMillis() + 500, Set.of());
  }
}
