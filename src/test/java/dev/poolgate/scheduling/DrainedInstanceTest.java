package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A drained instance takes no new ticket, keeps the leases it has, and serves again once undrained. */
class DrainedInstanceTest {
  private static final HealthPolicy POLICY = new HealthPolicy(2, 4, 1_000, 2);
  private static final long TTL = 30_000;
  private final long now = 1_000_000;
  private int seq;

  private Ticket ticket() {
    return new Ticket("t" + (++seq), "n1", 0, 0, now + 10_000, Set.of());
  }

  private static PoolSpec spec(boolean aDrained) {
    return new PoolSpec("p", List.of(new InstanceSpec("a", 4, 1, 0, 0, aDrained), new InstanceSpec("b", 1, 1)), 10,
        POLICY);
  }

  @Test
  void drainedInstanceTakesNoNewTicketAndComesBack() {
    PoolState p = new PoolState(spec(false));
    Lease onA = ((Admission.Granted) p.acquire(ticket(), now, TTL)).lease();
    assertEquals("a", onA.instanceId(), "least load: a (cap 4) first");

    p.reconfigure(spec(true), now);
    Lease onB = ((Admission.Granted) p.acquire(ticket(), now, TTL)).lease();
    assertEquals("b", onB.instanceId(), "a is drained although it has free slots");
    Admission waiting = p.acquire(ticket(), now, TTL);
    assertInstanceOf(Admission.Queued.class, waiting, "b is full and a drained: the ticket waits");
    assertEquals(1, p.snapshot(now).instances().get(0).inFlight(), "a keeps the lease it had");

    assertEquals(List.of(), p.release("a", onA.leaseId(), Outcome.SUCCESS, null, now, TTL),
        "a slot freed on a drained instance goes to nobody");
    List<Grant> grants = p.reconfigure(spec(false), now);
    assertEquals(1, grants.size(), "undrained: the waiting ticket gets a at once");
    assertEquals("a", grants.get(0).lease().instanceId());
  }
}
