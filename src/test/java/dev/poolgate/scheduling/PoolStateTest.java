package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduling rules of one pool, with no clock and no I/O: selection, queue, health, crash safety. */
class PoolStateTest {
  private static final HealthPolicy POLICY = new HealthPolicy(2, 4, 1_000, 2);
  private static final long TTL = 30_000;
  private long now = 1_000_000;
  private int ticketSeq;

  private static InstanceSpec inst(String id, int cap) {
    return new InstanceSpec(id, cap, 1);
  }

  private static InstanceSpec inst(String id, int cap, int weight) {
    return new InstanceSpec(id, cap, weight);
  }

  private static PoolState pool(int queueMax, InstanceSpec... specs) {
    return new PoolState(new PoolSpec("p", List.of(specs), queueMax, POLICY));
  }

  private Ticket ticket(int priority) {
    return ticket("n1", priority, Set.of());
  }

  private Ticket ticket(String node, int priority, Set<String> excluded) {
    return new Ticket("t" + (++ticketSeq), node, priority, 0, now + 10_000, excluded);
  }

  private Lease grant(PoolState p, Ticket t) {
    Admission a = p.acquire(t, now, TTL);
    assertInstanceOf(Admission.Granted.class, a, "granted at once");
    return ((Admission.Granted) a).lease();
  }

  private void queue(PoolState p, Ticket t) {
    assertInstanceOf(Admission.Queued.class, p.acquire(t, now, TTL), "queued");
  }

  private static int inFlight(PoolState p, String id) {
    return p.instance(id).inFlight();
  }

  /** Caps hold, and no queued ticket (none here excludes anything) could use a free slot. */
  private static void assertInvariants(PoolState p) {
    PoolSnapshot s = p.snapshot();
    for (InstanceSnapshot i : s.instances()) {
      assertTrue(i.inFlight() <= i.maxConcurrency(), i.id() + " over its cap: " + i);
    }
    if (s.queued() > 0) {
      for (InstanceSnapshot i : s.instances()) {
        boolean free = !i.retired() && i.health() != Health.UNHEALTHY && i.inFlight() < i.maxConcurrency();
        assertFalse(free, "a ticket waits while " + i.id() + " has a free slot");
      }
    }
  }

  // ------------------------------------------------------------------ selection

  @Test
  void picksTheLeastLoadedRelativeToCap() {
    PoolState p = pool(10, inst("a", 2), inst("b", 4));
    List<Lease> leases = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      leases.add(grant(p, ticket(0)));
    }
    assertEquals(1, inFlight(p, "a"));
    assertEquals(2, inFlight(p, "b"), "both half full");
    for (int i = 0; i < 3; i++) {
      leases.add(grant(p, ticket(0)));
    }
    assertEquals(2, inFlight(p, "a"));
    assertEquals(4, inFlight(p, "b"));
    queue(p, ticket(0));
    assertInvariants(p);
  }

  @Test
  void weightsDecideTies() {
    PoolState p = pool(10, inst("heavy", 100, 3), inst("light", 100, 1));
    Map<String, Integer> share = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      Lease l = grant(p, ticket(0));
      share.merge(l.instanceId(), 1, Integer::sum);
      p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, now, TTL);
    }
    assertEquals(300, share.get("heavy"));
    assertEquals(100, share.get("light"));
  }

  @Test
  void weightedTiesInterleaveSmoothly() {
    PoolState p = pool(10, inst("a", 10, 2), inst("b", 10, 1));
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      Lease l = grant(p, ticket(0));
      order.append(l.instanceId());
      p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, now, TTL);
    }
    assertEquals("abaaba", order.toString());
  }

  // ------------------------------------------------------------------ queue

  @Test
  void strictPriorityBetweenLevelsFifoWithinOne() {
    PoolState p = pool(10, inst("a", 1));
    Lease held = grant(p, ticket(0));
    Map<String, String> names = new HashMap<>();
    for (Object[] q : new Object[][] {{"a0", 0}, {"b5", 5}, {"c5", 5}, {"d10", 10}, {"e0", 0}}) {
      Ticket t = ticket((Integer) q[1]);
      names.put(t.ticketId(), (String) q[0]);
      queue(p, t);
    }
    assertEquals(5, p.snapshot().queued());
    List<String> served = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      List<Grant> grants = p.release("a", held.leaseId(), Outcome.SUCCESS, null, now, TTL);
      assertEquals(1, grants.size());
      Grant g = grants.get(0);
      assertEquals(g, p.claimGrant(g.ticket().ticketId()), "the grant waits to be claimed");
      assertNull(p.claimGrant(g.ticket().ticketId()), "and is claimed once");
      served.add(names.get(g.ticket().ticketId()));
      held = g.lease();
      assertInvariants(p);
    }
    assertEquals(List.of("d10", "b5", "c5", "a0", "e0"), served);
  }

  @Test
  void fullQueueRejects() {
    PoolState p = pool(2, inst("a", 1));
    grant(p, ticket(0));
    queue(p, ticket(0));
    queue(p, ticket(9));
    Admission third = p.acquire(ticket(10), now, TTL);
    assertEquals(new Admission.Rejected(Admission.Reason.QUEUE_FULL), third);
    assertEquals(2, p.snapshot().queued());
  }

  @Test
  void repeatedAcquireOfOneTicketDoesNotQueueTwice() {
    PoolState p = pool(10, inst("a", 1));
    grant(p, ticket(0));
    Ticket t = ticket(0);
    queue(p, t);
    queue(p, t);
    assertEquals(1, p.snapshot().queued());
  }

  @Test
  void cancelDropsAQueuedTicketAndReturnsAMissedGrant() {
    PoolState p = pool(10, inst("a", 1));
    Lease held = grant(p, ticket(0));
    Ticket waiting = ticket(0);
    queue(p, waiting);
    assertNull(p.cancel(waiting.ticketId()));
    assertEquals(0, p.snapshot().queued());
    assertNull(p.cancel("unknown"));

    Ticket granted = ticket(0);
    queue(p, granted);
    p.release("a", held.leaseId(), Outcome.SUCCESS, null, now, TTL);
    Grant missed = p.cancel(granted.ticketId());
    assertNotNull(missed, "the cancel takes the grant it missed");
    assertEquals(1, inFlight(p, "a"), "the slot is held until the canceller releases it");
    p.release("a", missed.lease().leaseId(), Outcome.NEUTRAL, null, now, TTL);
    assertEquals(0, p.snapshot().inFlight());
    assertEquals(0, p.snapshot().unclaimedGrants());
  }

  @Test
  void releaseIsIdempotent() {
    PoolState p = pool(10, inst("a", 1));
    Lease l = grant(p, ticket(0));
    queue(p, ticket(0));
    assertEquals(1, p.release("a", l.leaseId(), Outcome.SUCCESS, null, now, TTL).size());
    assertEquals(List.of(), p.release("a", l.leaseId(), Outcome.SUCCESS, null, now, TTL));
    assertEquals(List.of(), p.release("nobody", l.leaseId(), Outcome.SUCCESS, null, now, TTL));
    assertEquals(1, inFlight(p, "a"), "the second release did not free the granted slot");
  }

  // ------------------------------------------------------------------ exclusions

  @Test
  void excludedInstancesAreNeverPicked() {
    PoolState p = pool(10, inst("a", 1), inst("b", 1));
    Lease onB = grant(p, ticket("n1", 0, Set.of("a")));
    assertEquals("b", onB.instanceId());
    Ticket waitsForB = ticket("n1", 5, Set.of("a"));
    queue(p, waitsForB);
    Lease onA = grant(p, ticket(0));
    assertEquals("a", onA.instanceId(), "a waiting ticket that excludes a does not block it");
    assertEquals(new Admission.Rejected(Admission.Reason.NO_INSTANCE),
        p.acquire(ticket("n1", 0, Set.of("a", "b")), now, TTL));

    List<Grant> grants = p.release("b", onB.leaseId(), Outcome.SUCCESS, null, now, TTL);
    assertEquals(1, grants.size());
    assertEquals(waitsForB.ticketId(), grants.get(0).ticket().ticketId());
    assertEquals("b", grants.get(0).lease().instanceId());
  }

  @Test
  void aTicketThatCannotUseTheFreedSlotLetsTheNextOneThrough() {
    PoolState p = pool(10, inst("a", 1), inst("b", 1));
    Lease la = grant(p, ticket(0));
    Lease lb = grant(p, ticket(0));
    Ticket urgentNotB = ticket("n1", 9, Set.of(lb.instanceId()));
    Ticket plain = ticket(0);
    queue(p, urgentNotB);
    queue(p, plain);

    List<Grant> first = p.release(lb.instanceId(), lb.leaseId(), Outcome.SUCCESS, null, now, TTL);
    assertEquals(1, first.size());
    assertEquals(plain.ticketId(), first.get(0).ticket().ticketId());
    List<Grant> second = p.release(la.instanceId(), la.leaseId(), Outcome.SUCCESS, null, now, TTL);
    assertEquals(urgentNotB.ticketId(), second.get(0).ticket().ticketId());
  }

  // ------------------------------------------------------------------ health

  @Test
  void healthStateMachineSteersTraffic() {
    PoolState p = pool(10, inst("a", 2), inst("b", 2));
    // two failures: a is degraded
    for (int i = 0; i < 2; i++) {
      Lease l = grant(p, ticket("n1", 0, Set.of("b")));
      p.release("a", l.leaseId(), Outcome.FAILURE, "boom", now, TTL);
    }
    assertEquals(Health.DEGRADED, p.instance("a").health().health());
    Lease b1 = grant(p, ticket(0));
    Lease b2 = grant(p, ticket(0));
    assertEquals("b", b1.instanceId(), "healthy first, even at a higher load");
    assertEquals("b", b2.instanceId());
    Lease a1 = grant(p, ticket(0));
    assertEquals("a", a1.instanceId(), "degraded when no healthy instance has room");
    p.release("a", a1.leaseId(), Outcome.FAILURE, "boom", now, TTL);
    Lease a2 = grant(p, ticket(0));
    p.release("a", a2.leaseId(), Outcome.FAILURE, "boom", now, TTL);
    assertEquals(Health.UNHEALTHY, p.instance("a").health().health());
    assertEquals("boom", p.snapshot().instances().get(0).lastError());

    Ticket waiting = ticket(0);
    queue(p, waiting);
    assertInvariants(p);
    assertEquals(List.of(), p.recordProbe("a", true, null, now + 10, TTL), "probes in the cooldown do not count");
    assertEquals(Health.UNHEALTHY, p.instance("a").health().health());

    now += POLICY.cooldownMs();
    assertEquals(List.of(), p.recordProbe("a", true, null, now, TTL), "half open: one success is not enough");
    assertEquals(Health.UNHEALTHY, p.instance("a").health().health());
    List<Grant> grants = p.recordProbe("a", true, null, now, TTL);
    assertEquals(Health.HEALTHY, p.instance("a").health().health());
    assertEquals(1, grants.size(), "the recovered instance takes the waiting ticket at once");
    assertEquals("a", grants.get(0).lease().instanceId());
    assertEquals(waiting.ticketId(), grants.get(0).ticket().ticketId());
  }

  @Test
  void noHealthyInstanceRejectsInsteadOfQueueing() {
    PoolState p = pool(10, inst("a", 1));
    p.forceHealth("a", Health.UNHEALTHY, now, TTL);
    assertEquals(new Admission.Rejected(Admission.Reason.NO_INSTANCE), p.acquire(ticket(0), now, TTL));
    p.forceHealth("a", Health.HEALTHY, now, TTL);
    grant(p, ticket(0));
  }

  @Test
  void neutralOutcomesDoNotChangeHealth() {
    PoolState p = pool(10, inst("a", 1));
    for (int i = 0; i < 10; i++) {
      Lease l = grant(p, ticket(0));
      p.release("a", l.leaseId(), Outcome.NEUTRAL, null, now, TTL);
    }
    assertEquals(Health.HEALTHY, p.instance("a").health().health());
    assertEquals(0, p.instance("a").health().consecutiveFailures());
  }

  // ------------------------------------------------------------------ crash safety

  @Test
  void purgeNodeDropsItsLeasesTicketsAndGrantsAndServesTheOthers() {
    PoolState p = pool(10, inst("a", 2));
    grant(p, ticket("dead", 0, Set.of()));
    Lease alive = grant(p, ticket("alive", 0, Set.of()));
    Ticket deadWaits = ticket("dead", 9, Set.of());
    Ticket deadGranted = ticket("dead", 8, Set.of());
    Ticket aliveWaits = ticket("alive", 0, Set.of());
    queue(p, deadWaits);
    queue(p, deadGranted);
    queue(p, aliveWaits);
    // alive's release grants deadWaits (priority 9), which the dead node never claims
    List<Grant> g = p.release("a", alive.leaseId(), Outcome.SUCCESS, null, now, TTL);
    assertEquals(deadWaits.ticketId(), g.get(0).ticket().ticketId());

    List<Grant> afterPurge = p.purgeNode("dead", now, TTL);
    assertEquals(1, afterPurge.size(), "the freed slots go to the survivor's ticket, none to the dead node's");
    assertEquals(aliveWaits.ticketId(), afterPurge.get(0).ticket().ticketId());
    PoolSnapshot s = p.snapshot();
    assertEquals(0, s.queued());
    assertEquals(1, s.inFlight());
    assertEquals(1, s.unclaimedGrants());
    assertTrue(p.leasesOf("dead").isEmpty());
    assertEquals(List.of(), p.purgeNode("dead", now, TTL), "idempotent");
    assertInvariants(p);
  }

  @Test
  void retainNodesPurgesEveryStranger() {
    PoolState p = pool(10, inst("a", 3));
    grant(p, ticket("n1", 0, Set.of()));
    grant(p, ticket("gone1", 0, Set.of()));
    grant(p, ticket("gone2", 0, Set.of()));
    p.retainNodes(List.of("n1", "n2"), now, TTL);
    assertEquals(1, inFlight(p, "a"));
    assertEquals(1, p.leasesOf("n1").size());
  }

  @Test
  void expireReclaimsUnrenewedLeasesAndStaleTickets() {
    PoolState p = pool(10, inst("a", 2));
    Lease renewed = grant(p, ticket(0));
    grant(p, ticket(0));
    Ticket stale = new Ticket("stale", "n1", 0, 0, now + 100, Set.of());
    queue(p, stale);

    p.renew("n1", List.of(renewed.leaseId()), now + 2 * TTL);
    List<Grant> grants = p.expire(now + TTL + 1, 5_000, TTL);
    assertEquals(List.of(), grants, "the stale ticket went before the freed slot could go to it");
    assertEquals(1, inFlight(p, "a"), "the unrenewed lease was reclaimed, the renewed one kept");
    assertEquals(0, p.snapshot().queued());
    assertEquals(renewed.leaseId(), p.leasesOf("n1").get(0).leaseId());
    assertInvariants(p);
  }

  @Test
  void reassertedLeasesMayExceedTheCapButNothingMoreIsGranted() {
    PoolState p = pool(10, inst("a", 1));
    Lease mine = grant(p, ticket(0));
    Lease lost = new Lease("lost", "p", "a", "n1", "tx", now + TTL);
    assertEquals(1, p.reassert(List.of(lost, mine)));
    assertEquals(2, inFlight(p, "a"));
    queue(p, ticket(0));
    assertEquals(List.of(), p.release("a", "lost", Outcome.SUCCESS, null, now, TTL), "still at the cap");
    assertEquals(1, p.release("a", mine.leaseId(), Outcome.SUCCESS, null, now, TTL).size());
  }

  // ------------------------------------------------------------------ reconfigure

  @Test
  void reconfigureKeepsLeasesRetiresRemovedInstancesAndAppliesNewCaps() {
    PoolState p = pool(10, inst("a", 2), inst("b", 1));
    Lease a1 = grant(p, ticket(0));
    Lease b1 = grant(p, ticket(0));
    Lease a2 = grant(p, ticket(0));
    assertEquals("b", b1.instanceId());
    Ticket waiting = ticket(0);
    queue(p, waiting);

    // b removed, a's cap lowered below what it holds: nothing may be granted
    assertEquals(List.of(), p.reconfigure(new PoolSpec("p", List.of(inst("a", 1)), 10, POLICY), now));
    assertTrue(p.snapshot().instances().stream().anyMatch(i -> i.id().equals("b") && i.retired()));
    assertEquals(List.of(), p.release("b", b1.leaseId(), Outcome.SUCCESS, null, now, TTL),
        "a retired instance's freed slot is not granted");
    assertNull(p.instance("b"), "a retired instance leaves with its last lease");
    assertEquals(List.of(), p.release("a", a1.leaseId(), Outcome.SUCCESS, null, now, TTL), "a is at its new cap");

    // a new instance joins: the waiting ticket goes there at once
    List<Grant> grants = p.reconfigure(new PoolSpec("p", List.of(inst("a", 1), inst("c", 3)), 10, POLICY), now);
    assertEquals(1, grants.size());
    assertEquals("c", grants.get(0).lease().instanceId());
    assertEquals(List.of(), p.release("a", a2.leaseId(), Outcome.SUCCESS, null, now, TTL));
    assertInvariants(p);
  }

  @Test
  void raisingACapServesTheQueueAtOnce() {
    PoolState p = pool(10, inst("a", 1));
    grant(p, ticket(0));
    queue(p, ticket(0));
    queue(p, ticket(0));
    assertEquals(2, p.reconfigure(new PoolSpec("p", List.of(inst("a", 3)), 10, POLICY), now).size());
    assertEquals(3, inFlight(p, "a"));
  }

  // ------------------------------------------------------------------ invariants under random operations

  @Test
  void invariantsHoldUnderRandomOperations() {
    Random random = new Random(42);
    PoolState p = pool(50, inst("a", 3, 2), inst("b", 2, 1), inst("c", 5, 1));
    List<Lease> held = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    for (int step = 0; step < 5_000; step++) {
      now += random.nextInt(20);
      int op = random.nextInt(100);
      List<Grant> grants = List.of();
      if (op < 40) {
        Ticket t = ticket("n" + random.nextInt(3), random.nextInt(11), Set.of());
        Admission a = p.acquire(t, now, TTL);
        if (a instanceof Admission.Granted g) {
          held.add(g.lease());
        } else if (a instanceof Admission.Queued) {
          waiting.add(t.ticketId());
        }
      } else if (op < 75 && !held.isEmpty()) {
        Lease l = held.remove(random.nextInt(held.size()));
        Outcome o = Outcome.values()[random.nextInt(3)];
        grants = p.release(l.instanceId(), l.leaseId(), o, "x", now, TTL);
      } else if (op < 82 && !waiting.isEmpty()) {
        Grant missed = p.cancel(waiting.remove(random.nextInt(waiting.size())));
        if (missed != null) {
          held.add(missed.lease());
        }
      } else if (op < 90) {
        String id = List.of("a", "b", "c").get(random.nextInt(3));
        grants = p.recordProbe(id, random.nextInt(3) > 0, "probe", now, TTL);
      } else if (op < 92) {
        String node = "n" + random.nextInt(3);
        grants = p.purgeNode(node, now, TTL);
        held.removeIf(l -> l.nodeId().equals(node));
      } else {
        p.claimGrants("n" + random.nextInt(3)).forEach(g -> held.add(g.lease()));
      }
      for (Grant g : grants) {
        waiting.remove(g.ticket().ticketId());
      }
      // grants for purged nodes were dropped; the rest are claimed by their waiters
      for (Grant g : grants) {
        Grant claimed = p.claimGrant(g.ticket().ticketId());
        if (claimed != null) {
          held.add(claimed.lease());
        }
      }
      assertInvariants(p);
      int counted = p.snapshot().inFlight();
      assertEquals(held.size() + p.snapshot().unclaimedGrants(), counted, "every slot is accounted for at step " + step);
    }
  }
}
