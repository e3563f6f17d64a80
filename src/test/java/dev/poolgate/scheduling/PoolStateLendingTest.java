package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool lending its idle slots ({@link PoolState#lend}): guests of the borrowing pool get a slot
 * only when no own ticket could use it, their leases count against the lender's caps, and a slot
 * freed in the lender goes to its own queue first.
 */
class PoolStateLendingTest {
  private static final HealthPolicy POLICY = new HealthPolicy(2, 4, 1_000, 2);
  private static final long TTL = 30_000;
  private final long now = 1_000_000;
  private int ticketSeq;

  /** "large" with one instance of the given cap, lending to "small". */
  private static PoolState large(int cap) {
    return new PoolState(new PoolSpec("large", List.of(new InstanceSpec("big", cap, 1)), 10, POLICY,
        Strategy.DEFAULT, PoolSpec.DEFAULT_LATENCY_DECAY_MS, List.of("small")));
  }

  private Ticket ticket(int priority) {
    return ticket("n1", priority, Set.of());
  }

  private Ticket ticket(String node, int priority, Set<String> excluded) {
    return new Ticket("t" + (++ticketSeq), node, priority, 0, now + 10_000, excluded);
  }

  private Lease own(PoolState p, Ticket t) {
    return assertInstanceOf(Admission.Granted.class, p.acquire(t, now, TTL)).lease();
  }

  private Admission lend(PoolState p, Ticket t) {
    return p.lend("small", t, now, TTL, 0);
  }

  /** Releases the lease, claims what was granted and says to whom it went. */
  private Grant releaseAndClaim(PoolState p, Lease l) {
    List<Grant> grants = p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, now, TTL);
    assertEquals(1, grants.size(), "the freed slot went to exactly one waiter");
    Grant g = p.claimGrant(grants.get(0).ticket().ticketId());
    assertNotNull(g);
    return g;
  }

  @Test
  void anIdleSlotIsLentAtOnceAndCountedInTheLender() {
    PoolState p = large(2);
    Lease lent = assertInstanceOf(Admission.Granted.class, lend(p, ticket(0))).lease();
    assertEquals("large", lent.pool(), "the lease is recorded in the lender, so its release goes there");
    assertEquals("big", lent.instanceId());
    assertEquals(1, p.instance("big").inFlight());
    own(p, ticket(0));
    assertInstanceOf(Admission.Queued.class, lend(p, ticket(0)), "the cap holds for guests too");
    assertEquals(2, p.instance("big").inFlight());
    assertEquals(1, p.guestCount());
    assertEquals(0, p.snapshot().queued(), "guests do not take room in the lender's own queue");
  }

  @Test
  void aFreedSlotGoesToTheLendersOwnQueueBeforeAnyGuest() {
    PoolState p = large(1);
    Lease held = own(p, ticket(0));
    Ticket guestHigh = ticket(10);
    assertInstanceOf(Admission.Queued.class, lend(p, guestHigh));
    Ticket ownLow = ticket(0);
    assertInstanceOf(Admission.Queued.class, p.acquire(ownLow, now, TTL));

    Grant first = releaseAndClaim(p, held);
    assertEquals(ownLow.ticketId(), first.ticket().ticketId(), "own ticket first, whatever the guest's priority");
    Grant second = releaseAndClaim(p, first.lease());
    assertEquals(guestHigh.ticketId(), second.ticket().ticketId(), "then the guest");
    assertEquals("large", second.lease().pool());
    assertEquals(0, p.guestCount());
  }

  @Test
  void guestsAreServedByPriorityThenInTurn() {
    PoolState p = large(1);
    Lease held = own(p, ticket(0));
    List<String> order = new ArrayList<>();
    Ticket a = ticket(1);
    Ticket b = ticket(5);
    Ticket c = ticket(1);
    for (Ticket t : List.of(a, b, c)) {
      assertInstanceOf(Admission.Queued.class, lend(p, t));
    }
    for (int i = 0; i < 3; i++) {
      Grant g = releaseAndClaim(p, held);
      order.add(g.ticket().ticketId());
      held = g.lease();
    }
    assertEquals(List.of(b.ticketId(), a.ticketId(), c.ticketId()), order);
  }

  @Test
  void lendsOnlyToItsBorrowersAndRespectsExclusions() {
    PoolState p = large(2);
    assertEquals(new Admission.Rejected(Admission.Reason.NO_INSTANCE), p.lend("other", ticket(0), now, TTL, 0));
    assertEquals(new Admission.Rejected(Admission.Reason.NO_INSTANCE),
        lend(p, ticket("n1", 0, Set.of("big"))), "the request already failed on the lender's only instance");
    assertEquals(0, p.instance("big").inFlight());
    assertEquals(0, p.guestCount());
  }

  @Test
  void lendingIsIdempotentPerTicket() {
    PoolState p = large(1);
    Lease held = own(p, ticket(0));
    Ticket t = ticket(0);
    assertInstanceOf(Admission.Queued.class, lend(p, t));
    assertInstanceOf(Admission.Queued.class, lend(p, t));
    assertEquals(1, p.guestCount());
    List<Grant> grants = p.release("big", held.leaseId(), Outcome.SUCCESS, null, now, TTL);
    assertEquals(1, grants.size());
    Admission again = lend(p, t);
    assertEquals(grants.get(0).lease(), assertInstanceOf(Admission.Granted.class, again).lease(),
        "a repeated ask gets the grant it already had");
    assertEquals(1, p.instance("big").inFlight());
  }

  @Test
  void cancelWithdrawsAGuestOrHandsBackItsMissedGrant() {
    PoolState p = large(1);
    Lease held = own(p, ticket(0));
    Ticket waiting = ticket(0);
    lend(p, waiting);
    assertNull(p.cancel(waiting.ticketId()));
    assertEquals(0, p.guestCount());

    Ticket granted = ticket(0);
    lend(p, granted);
    p.release("big", held.leaseId(), Outcome.SUCCESS, null, now, TTL);
    Grant missed = p.cancel(granted.ticketId());
    assertNotNull(missed, "the withdrawal takes the grant made meanwhile");
    assertEquals(1, p.instance("big").inFlight(), "held until the withdrawing node releases it");
    p.release("big", missed.lease().leaseId(), Outcome.NEUTRAL, null, now, TTL);
    assertEquals(0, p.snapshot().inFlight());
  }

  @Test
  void guestsOfADeadNodeOrPastTheirDeadlineAreDropped() {
    PoolState p = large(1);
    Lease held = own(p, ticket("alive", 0, Set.of()));
    lend(p, ticket("dead", 0, Set.of()));
    Ticket live = ticket("alive", 0, Set.of());
    lend(p, live);
    p.purgeNode("dead", now, TTL);
    assertEquals(1, p.guestCount());
    p.retainNodes(Set.of("alive"), now, TTL);
    assertEquals(1, p.guestCount());
    p.expire(now + 10_000 + 5_001, 5_000, TTL);
    assertEquals(0, p.guestCount(), "past its deadline and grace");
    assertTrue(p.release("big", held.leaseId(), Outcome.SUCCESS, null, now, TTL).isEmpty());
  }

  @Test
  void aGuestLeaseOfADeadNodeIsPurgedFromTheLender() {
    PoolState p = large(1);
    Lease lent = assertInstanceOf(Admission.Granted.class, lend(p, ticket("dead", 0, Set.of()))).lease();
    assertEquals("dead", lent.nodeId());
    Ticket ownWaiting = ticket("alive", 0, Set.of());
    assertInstanceOf(Admission.Queued.class, p.acquire(ownWaiting, now, TTL));
    List<Grant> grants = p.purgeNode("dead", now, TTL);
    assertEquals(List.of(ownWaiting.ticketId()), grants.stream().map(g -> g.ticket().ticketId()).toList());
  }

  @Test
  void stoppingLendingDropsTheGuests() {
    PoolState p = large(1);
    own(p, ticket(0));
    lend(p, ticket(0));
    p.reconfigure(new PoolSpec("large", List.of(new InstanceSpec("big", 1, 1)), 10, POLICY), now);
    assertEquals(0, p.guestCount());
    assertEquals(new Admission.Rejected(Admission.Reason.NO_INSTANCE), lend(p, ticket(0)));
  }

  @Test
  void aGuestIsWokenWhenARateWindowFrees() {
    PoolState p = new PoolState(new PoolSpec("large", List.of(new InstanceSpec("big", 5, 1, 1, 0)), 10, POLICY,
        Strategy.DEFAULT, PoolSpec.DEFAULT_LATENCY_DECAY_MS, List.of("small")));
    own(p, ticket(0));
    Admission.Queued q = assertInstanceOf(Admission.Queued.class, lend(p, ticket(0)));
    assertEquals(now + 1_000, q.wakeAt(), "one request a second: the guest may start a second later");
    Drained later = p.drain(now + 1_000, TTL, 0);
    assertEquals(1, later.grants().size());
  }

  /**
   * Own tickets and guests, releases, withdrawals and purges in random order: the cap holds, every
   * slot is held or granted, and nobody waits while a slot is free — own tickets never while a
   * guest was granted ahead of them.
   */
  @Test
  void invariantsHoldUnderRandomOwnAndGuestTraffic() {
    Random random = new Random(7);
    PoolState p = new PoolState(new PoolSpec("large", List.of(new InstanceSpec("a", 3, 1), new InstanceSpec("b", 2, 1)),
        1_000, POLICY, Strategy.DEFAULT, PoolSpec.DEFAULT_LATENCY_DECAY_MS, List.of("small")));
    List<Lease> held = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    Set<String> guestIds = new java.util.HashSet<>();
    for (int step = 0; step < 5_000; step++) {
      int op = random.nextInt(100);
      List<Grant> grants = List.of();
      if (op < 25) {
        Ticket t = ticket("n" + random.nextInt(3), random.nextInt(11), Set.of());
        Admission a = p.acquire(t, now, TTL);
        if (a instanceof Admission.Granted g) {
          held.add(g.lease());
        } else {
          waiting.add(t.ticketId());
        }
      } else if (op < 50) {
        Ticket t = ticket("n" + random.nextInt(3), random.nextInt(11), Set.of());
        guestIds.add(t.ticketId());
        Admission a = lend(p, t);
        if (a instanceof Admission.Granted g) {
          held.add(g.lease());
        } else {
          waiting.add(t.ticketId());
        }
      } else if (op < 85 && !held.isEmpty()) {
        Lease l = held.remove(random.nextInt(held.size()));
        grants = p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, now, TTL);
        if (grants.stream().anyMatch(g -> guestIds.contains(g.ticket().ticketId()))) {
          assertEquals(0, p.snapshot().queued(), "a guest was granted while an own ticket still waits, step " + step);
        }
      } else if (op < 95 && !waiting.isEmpty()) {
        Grant missed = p.cancel(waiting.remove(random.nextInt(waiting.size())));
        if (missed != null) {
          held.add(missed.lease());
        }
      } else {
        String node = "n" + random.nextInt(3);
        grants = p.purgeNode(node, now, TTL);
        held.removeIf(l -> l.nodeId().equals(node));
      }
      for (Grant g : grants) {
        waiting.remove(g.ticket().ticketId());
        Grant claimed = p.claimGrant(g.ticket().ticketId());
        if (claimed != null) {
          held.add(claimed.lease());
        }
      }
      PoolSnapshot snap = p.snapshot();
      for (InstanceSnapshot i : snap.instances()) {
        assertTrue(i.inFlight() <= i.maxConcurrency(), i.id() + " over its cap at step " + step);
      }
      assertEquals(held.size(), snap.inFlight(), "every slot is accounted for at step " + step);
      if (snap.queued() > 0 || p.guestCount() > 0) {
        assertEquals(5, snap.inFlight(), "a ticket waits while a slot is free at step " + step);
      }
    }
  }

  @Test
  void theSnapshotCountsTheSlotsLentOutWhileTheyRun() {
    PoolState p = large(2);
    Lease lentNow = assertInstanceOf(Admission.Granted.class, lend(p, ticket(0))).lease();
    Lease own = own(p, ticket(0));
    assertInstanceOf(Admission.Queued.class, lend(p, ticket(0)));
    assertEquals(1, p.snapshot().lent(), "one slot lent at once; the other guest waits");
    Grant second = releaseAndClaim(p, own);
    assertEquals(2, p.snapshot().lent(), "the freed slot went to the waiting guest");
    p.release(lentNow.instanceId(), lentNow.leaseId(), Outcome.SUCCESS, null, now, TTL);
    p.release(second.lease().instanceId(), second.lease().leaseId(), Outcome.SUCCESS, null, now, TTL);
    assertEquals(0, p.snapshot().lent());
  }
}
