package dev.poolgate.ledger;

import org.junit.jupiter.api.Test;
import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.testing.Await;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ledger contract on a 2-member cluster (see {@link HazelcastLedgerTestBase}), and what only a cluster loses. */
class HazelcastSlotLedgerTest extends HazelcastLedgerTestBase {
  @Override
  protected LedgerOptions options() {
    return FAST;
  }

  /**
   * Both copies of a pool's entry gone at once (owner and backup killed while partitions were
   * still migrating): the next operation rebuilds the pool from its spec and the leases in flight
   * are recorded again, so the cap still holds — not "unknown pool".
   */
  @Test
  void aLostPoolEntryIsRebuiltWithTheLeasesInFlight() {
    configure(List.of(inst("a", 2)), 10);
    Lease held = await(ledger(0).acquire(req(5, 5_000)));
    members.get(0).hz().getMap(HazelcastSlotLedger.MAP_NAME).delete(pool);

    Lease second = await(ledger(1).acquire(req(5, 5_000)));
    assertEquals("a", second.instanceId());
    Await.until("node 0 re-records its lease in the rebuilt entry", () -> snap().inFlight() == 2);
    Throwable full = Await.awaitFailure(ledger(1).acquire(req(5, 200)));
    assertEquals(ErrorKind.QUEUE_TIMEOUT, GatewayException.kindOf(full), "the cap of 2 still holds");

    await(ledger(0).release(held, Outcome.SUCCESS, null));
    await(ledger(1).release(second, Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
  }

  /** Tickets that were queued in a lost entry are queued again in the rebuilt one, and served. */
  @Test
  void ticketsQueuedInALostPoolEntryAreServedFromTheRebuiltOne() {
    configure(List.of(inst("a", 1)), 10);
    Lease held = await(ledger(0).acquire(req(5, 10_000)));
    io.vertx.core.Future<Lease> waiting = ledger(1).acquire(req(7, 10_000));
    Await.until("the ticket waits", () -> snap().queued() == 1);
    members.get(0).hz().getMap(HazelcastSlotLedger.MAP_NAME).delete(pool);

    // the next operation (here a probe result) finds the entry gone and rebuilds it; the nodes put
    // back what they hold and what they wait for
    await(ledger(0).recordProbe(pool, "a", true, null));
    Await.until("the lease and the ticket are back", () -> snap().inFlight() == 1 && snap().queued() == 1);
    await(ledger(0).release(held, Outcome.SUCCESS, null));
    Lease served = await(waiting);
    assertEquals("a", served.instanceId());
    await(ledger(1).release(served, Outcome.SUCCESS, null));
    assertEquals(0, snap().inFlight());
    assertEquals(0, snap().queued());
  }
}
