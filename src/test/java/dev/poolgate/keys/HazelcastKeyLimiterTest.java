package dev.poolgate.keys;

import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The contract on the limiters of a 2-member cluster: requests alternate between the members. */
class HazelcastKeyLimiterTest extends KeyLimiterContractTest {
  private static List<ClusterNode.Member> members;
  private final List<HazelcastKeyLimiter> limiters = new ArrayList<>();

  @BeforeAll
  static void startCluster() {
    members = TestCluster.start(2);
    assertEquals(2, members.get(0).hz().getCluster().getMembers().size());
  }

  @AfterAll
  static void stopCluster() {
    TestCluster.stop(members);
  }

  @BeforeEach
  void startLimiters() {
    for (ClusterNode.Member m : members) {
      limiters.add(TestCluster.await(HazelcastKeyLimiter.create(m.vertx(), m.hz())));
    }
  }

  @AfterEach
  void stopLimiters() {
    limiters.forEach(l -> TestCluster.await(l.close()));
    limiters.clear();
  }

  @Override
  protected List<HazelcastKeyLimiter> limiters() {
    return limiters;
  }
}
