package dev.poolgate.cluster;

import dev.poolgate.ledger.HazelcastSlotLedger;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.Strategy;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A borrowed slot is a lease of the lending pool owned by the borrowing node: that node renews it
 * there, and when the node dies the survivors purge it from the lender, whose own queue gets it.
 */
class ClusterBorrowingFailoverTest {
  /** Leases live 2 s unless renewed (every 400 ms): a borrowed lease outliving that was renewed. */
  private static final LedgerOptions SHORT = new LedgerOptions(2_000, 400, 300, 100, 1_000);
  private List<ClusterNode.Member> members;
  private final List<HazelcastSlotLedger> ledgers = new ArrayList<>();

  @BeforeEach
  void start() {
    members = TestCluster.start(2);
    PoolSpec small = new PoolSpec("small", List.of(new InstanceSpec("s", 1, 1)), 100, HealthPolicy.DEFAULT);
    PoolSpec large = new PoolSpec("large", List.of(new InstanceSpec("L", 1, 1)), 100, HealthPolicy.DEFAULT,
        Strategy.DEFAULT, PoolSpec.DEFAULT_LATENCY_DECAY_MS, List.of("small"));
    for (ClusterNode.Member m : members) {
      HazelcastSlotLedger ledger = await(HazelcastSlotLedger.create(m.vertx(), m.hz(), SHORT));
      await(ledger.configure(List.of(large, small)));
      ledgers.add(ledger);
    }
  }

  @AfterEach
  void stop() {
    TestCluster.stop(members);
  }

  private static SlotRequest request(String pool) {
    return new SlotRequest(pool, UUID.randomUUID().toString(), 5, System.currentTimeMillis() + 30_000, Set.of());
  }

  private PoolSnapshot pool(String name) {
    return await(ledgers.get(0).snapshot()).stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aBorrowedSlotIsRenewedAndComesBackToTheLenderWhenItsNodeDies() throws InterruptedException {
    Lease home = await(ledgers.get(0).acquire(request("small")));
    Lease borrowed = await(ledgers.get(1).acquire(request("small")));
    assertEquals("large", borrowed.pool());
    assertEquals(ledgers.get(1).nodeId(), borrowed.nodeId());

    // past two lease lifetimes: the borrowing node renewed the lease in the lender's entry
    long until = System.currentTimeMillis() + 2 * SHORT.leaseTtlMs() + 500;
    while (System.currentTimeMillis() < until) {
      assertEquals(1, pool("large").inFlight(), "the borrowed lease was swept while its request ran");
      Thread.sleep(200);
    }

    Future<Lease> own = ledgers.get(0).acquire(request("large"));
    ClusterGatewayTest.eventually(() -> pool("large").queued() == 1);
    assertFalse(own.isComplete());
    TestCluster.kill(members.get(1));
    Lease ownLease = await(own);
    assertEquals("large", ownLease.pool());
    assertEquals(ledgers.get(0).nodeId(), ownLease.nodeId());
    await(ledgers.get(0).release(ownLease, Outcome.SUCCESS, null));
    await(ledgers.get(0).release(home, Outcome.SUCCESS, null));
    ClusterGatewayTest.eventually(() -> pool("large").inFlight() == 0 && pool("small").inFlight() == 0);
    assertTrue(pool("large").unclaimedGrants() == 0);
    members.remove(1);
  }
}
