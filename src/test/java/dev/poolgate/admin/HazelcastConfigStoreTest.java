package dev.poolgate.admin;

import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;
import java.util.UUID;

/** The contract on two cluster members; a fresh map name per test, one cluster for the class. */
class HazelcastConfigStoreTest extends ConfigStoreContractTest {
  private static List<ClusterNode.Member> members;

  @BeforeAll
  static void startCluster() {
    members = TestCluster.start(2);
  }

  @AfterAll
  static void stopCluster() {
    TestCluster.stop(members);
  }

  @Override
  protected void createStores() {
    String map = "poolgate-admin-test-" + UUID.randomUUID();
    a = new HazelcastConfigStore(members.get(0).vertx(), members.get(0).hz(), map);
    b = new HazelcastConfigStore(members.get(1).vertx(), members.get(1).hz(), map);
  }
}
