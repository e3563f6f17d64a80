package dev.poolgate.ledger;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.cluster.ClusterConfig;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.PoolSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member alone in a cluster that needs two (the minority side of a split) fails closed: its
 * ledger admits nothing, keeps a request waiting until its deadline, then answers 503.
 */
class StoreUnavailableTest {
  private List<ClusterNode.Member> members;
  private HazelcastSlotLedger ledger;

  @BeforeEach
  void start() {
    members = TestCluster.start(1, Map.of(ClusterConfig.MIN_CLUSTER_SIZE, "2"));
    ledger = TestCluster.await(HazelcastSlotLedger.create(members.get(0).vertx(), members.get(0).hz(),
        SlotLedgerContractTest.FAST, 500));
  }

  @AfterEach
  void stop() {
    TestCluster.await(ledger.close());
    TestCluster.stop(members);
  }

  @Test
  void minorityFailsClosedWithStoreUnavailable() throws Exception {
    PoolSpec spec = new PoolSpec("p", List.of(new InstanceSpec("a", 1, 1)), 10, HealthPolicy.DEFAULT);
    assertEquals(ErrorKind.STORE_UNAVAILABLE, kindOf(() -> ledger.configure(List.of(spec))));
    long start = System.currentTimeMillis();
    assertEquals(ErrorKind.STORE_UNAVAILABLE, kindOf(() -> ledger.acquire(new SlotRequest("p",
        UUID.randomUUID().toString(), 5, System.currentTimeMillis() + 800, Set.of()))));
    long waited = System.currentTimeMillis() - start;
    assertTrue(waited >= 700, "gave up before the deadline, after " + waited + " ms");
  }

  private static ErrorKind kindOf(java.util.function.Supplier<io.vertx.core.Future<?>> call) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> call.get().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return GatewayException.kindOf(e.getCause());
  }
}
