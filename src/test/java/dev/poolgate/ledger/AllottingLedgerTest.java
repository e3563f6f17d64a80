package dev.poolgate.ledger;

import dev.poolgate.ledger.hazelcast.PoolOps;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolState;
import dev.poolgate.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole ledger contract again on a 2-member cluster whose ledgers allot units from every
 * instance (min cap 1), so each case also runs through the nodes' local fast path, the recall of
 * units when tickets queue and their return; then what only allotments do.
 */
class AllottingLedgerTest extends HazelcastLedgerTestBase {
  @Override
  protected LedgerOptions options() {
    return FAST.withAllotMinCap(1);
  }

  /** Once a node has units, its requests start and end without a store operation. */
  @Test
  void aNodeWithUnitsServesRequestsLocally() {
    configure(List.of(inst("a", 64)), 10);
    for (int i = 0; i < 20; i++) {
      Lease l = await(ledger(0).acquire(req(5, 5_000)));
      await(ledger(0).release(l, Outcome.SUCCESS, null));
    }
    Await.until("node 0 holds units", () -> ledger(0).allotmentView().getOrDefault(pool, new int[2])[0] > 0);
    Lease local = await(ledger(0).acquire(req(5, 5_000)));
    assertTrue(local.leaseId().startsWith(AbstractSlotLedger.UNIT_LEASE_PREFIX), local.leaseId());
    Await.until("the store shows the unit in use", () -> snap().inFlight() == 1);
    await(ledger(0).release(local, Outcome.SUCCESS, null));
    Await.until("an idle node gives its units back", () -> ledger(0).allotmentView().getOrDefault(pool, new int[2])[0] == 0);
    Await.until("nothing is in use", () -> snap().inFlight() == 0);
  }

  /**
   * Random load from both nodes on a cap of 40, sometimes past it: what the nodes hold at once
   * never exceeds the cap, every waiter is served, and afterwards nothing is held anywhere.
   */
  @Test
  void theGlobalCapHoldsWhileUnitsComeAndGo() {
    configure(List.of(inst("a", 24), inst("b", 16)), 1_000);
    Random random = new Random(42);
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    List<Future<Void>> done = new CopyOnWriteArrayList<>();
    Vertx vertx = vertx();
    for (int wave = 0; wave < 6; wave++) {
      int n = wave % 2 == 0 ? 30 : 70;
      List<Future<Void>> waveDone = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        HazelcastSlotLedger ledger = ledger(random.nextInt(2));
        // long enough in the heavy waves that their requests pile up past the cap
        long hold = n > 40 ? 50 + random.nextInt(50) : 1 + random.nextInt(30);
        Outcome outcome = random.nextInt(10) == 0 ? Outcome.NEUTRAL : Outcome.SUCCESS;
        waveDone.add(ledger.acquire(req(random.nextInt(11), 20_000)).compose(lease -> {
          int now = holding.incrementAndGet();
          peak.accumulateAndGet(now, Math::max);
          return vertx.timer(hold).compose(t -> {
            holding.decrementAndGet();
            return ledger.release(lease, outcome, null);
          });
        }));
      }
      await(Future.all(waveDone));
      done.addAll(waveDone);
    }
    assertTrue(peak.get() <= 40, "held at once: " + peak.get());
    assertTrue(peak.get() >= 30, "the load did reach the cap region: " + peak.get());
    Await.until("every unit is back", () -> ledgers().stream().allMatch(
        l -> l.allotmentView().getOrDefault(pool, new int[2])[0] == 0));
    Await.until("nothing held in the store", () -> snap().inFlight() == 0 && snap().queued() == 0);
  }

  /**
   * Units purged while their node was unreachable: its next sync finds them gone and the requests
   * on them are ended through the lost-leases listener.
   */
  @Test
  void unitsPurgedBehindANodesBackEndTheirRequests() {
    configure(List.of(inst("a", 64)), 10);
    List<String> lost = Collections.synchronizedList(new ArrayList<>());
    ledger(0).onLeasesLost(lost::addAll);
    for (int i = 0; i < 10; i++) {
      await(ledger(0).release(await(ledger(0).acquire(req(5, 5_000))), Outcome.SUCCESS, null));
    }
    Await.until("node 0 holds units", () -> ledger(0).allotmentView().getOrDefault(pool, new int[2])[0] > 0);
    List<Lease> running = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      running.add(await(ledger(0).acquire(req(5, 5_000))));
    }
    assertTrue(running.stream().allMatch(l -> l.leaseId().startsWith(AbstractSlotLedger.UNIT_LEASE_PREFIX)));
    String node0 = ledger(0).nodeId();
    members.get(1).hz().<String, PoolState>getMap(HazelcastSlotLedger.MAP_NAME)
        .executeOnKey(pool, new PoolOps.PurgeNode(node0, System.currentTimeMillis(), 10_000));
    Await.until("both requests are ended", () -> lost.size() == 2);
    assertEquals(Set.copyOf(running.stream().map(Lease::leaseId).toList()), Set.copyOf(lost));
    running.forEach(l -> await(ledger(0).release(l, Outcome.NEUTRAL, null)));
    Await.until("nothing held in the store", () -> snap().inFlight() == 0);
  }
}
