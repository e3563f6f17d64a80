package dev.poolgate.ledger;

import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ledger contract on a 2-member Hazelcast cluster: requests alternate between the two
 * members' ledgers, so grants, releases and notices cross members. Subclasses choose the ledgers'
 * options.
 */
abstract class HazelcastLedgerTestBase extends SlotLedgerContractTest {
  protected static List<ClusterNode.Member> members;
  private final List<HazelcastSlotLedger> ledgers = new ArrayList<>();

  /** The options of every ledger of the test. */
  protected abstract LedgerOptions options();

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
  void startLedgers() {
    for (ClusterNode.Member m : members) {
      ledgers.add(await(HazelcastSlotLedger.create(m.vertx(), m.hz(), options())));
    }
  }

  @AfterEach
  void stopLedgers() {
    ledgers.forEach(l -> await(l.close()));
    ledgers.clear();
  }

  @Override
  protected List<HazelcastSlotLedger> ledgers() {
    return ledgers;
  }

  @Override
  protected HazelcastSlotLedger ledger(int i) {
    return ledgers.get(i % ledgers.size());
  }

  @Override
  protected Vertx vertx() {
    return members.get(0).vertx();
  }
}
