package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * max_rps and max_tpm on a bare {@link PoolState} with a hand-driven clock: limits hold, tickets
 * over a limit wait in the queue, and {@link PoolState#wakeAt} says when a drain will grant them.
 */
class RateLimitTest {
  private static final HealthPolicy POLICY = new HealthPolicy(2, 4, 1_000, 2);
  private static final long TTL = 30_000;
  private long now = 1_000_000;
  private int ticketSeq;

  private static PoolState pool(Strategy strategy, InstanceSpec... specs) {
    return new PoolState(new PoolSpec("p", List.of(specs), 1_000, POLICY, strategy, 1_000));
  }

  private Ticket ticket() {
    return new Ticket("t" + (++ticketSeq), "n1", 0, 0, now + 60_000, Set.of());
  }

  @Test
  void maxRpsHoldsInEverySlidingSecondAndWaitingTicketsAreWokenWhenTheWindowFrees() {
    PoolState p = pool(Strategy.LEAST_LOAD, new InstanceSpec("a", 100, 1, 5, 0));
    List<Long> grantTimes = new ArrayList<>();
    // 7 requests at t0, then one more every 100 ms: each served at once when granted
    long t0 = now;
    for (int i = 0; i < 7; i++) {
      admit(p, grantTimes);
    }
    assertEquals(5, grantTimes.size(), "five at once");
    assertEquals(2, p.snapshot().queued(), "the rest wait: not rejected");
    assertEquals(t0 + 1_000, p.wakeAt(now), "the window frees a second after the first grant");

    long wake = p.wakeAt(now);
    for (now = t0 + 1; now < t0 + 4_000; now++) {
      if (now % 100 == 0) {
        wake = Math.min(wake, admit(p, grantTimes));
      }
      if (now >= wake) {
        Drained d = p.drain(now, TTL, 0);
        d.grants().forEach(g -> serve(p, g.lease(), grantTimes));
        wake = d.wakeAt();
      }
    }
    for (int i = 0; i < grantTimes.size(); i++) {
      long from = grantTimes.get(i);
      long inWindow = grantTimes.stream().filter(t -> t >= from && t < from + 1_000).count();
      assertTrue(inWindow <= 5, inWindow + " grants in the second from " + (from - t0));
    }
    assertTrue(grantTimes.size() >= 19, "the limit is used, not starved: " + grantTimes.size() + " in 4 s");
    assertTrue(grantTimes.contains(t0 + 1_000), "the waiting tickets went as soon as the window freed");
  }

  /** Admits a new ticket; answers when the ledger would drain next. */
  private long admit(PoolState p, List<Long> grantTimes) {
    Admission a = p.acquire(ticket(), now, TTL, 0);
    if (a instanceof Admission.Granted g) {
      serve(p, g.lease(), grantTimes);
      return Drained.NEVER;
    }
    return assertInstanceOf(Admission.Queued.class, a).wakeAt();
  }

  /** The request runs and ends at once; its release may grant the slot to a waiting ticket. */
  private void serve(PoolState p, Lease lease, List<Long> grantTimes) {
    grantTimes.add(now);
    p.claimGrant(lease.ticketId());
    p.release(lease.instanceId(), lease.leaseId(), Outcome.SUCCESS, null, now, TTL)
        .forEach(g -> serve(p, g.lease(), grantTimes));
  }

  @Test
  void aRateLimitedInstanceLetsOthersServe() {
    PoolState p = pool(Strategy.ROUND_ROBIN, new InstanceSpec("a", 100, 1, 2, 0), new InstanceSpec("b", 100, 1));
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      Lease l = ((Admission.Granted) p.acquire(ticket(), now, TTL, 0)).lease();
      order.append(l.instanceId());
      p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, now, TTL);
    }
    assertEquals("ababbb", order.toString(), "a is out of requests for this second");
    assertEquals(Drained.NEVER, p.wakeAt(now), "nobody waits");
  }

  @Test
  void maxTpmCountsTokensReportedAtReleaseAndWaitsForTheMinuteToRollOver() {
    PoolState p = pool(Strategy.FIRST_AVAILABLE, new InstanceSpec("a", 10, 1, 0, 100));
    long t0 = now;
    Lease first = ((Admission.Granted) p.acquire(ticket(), now, TTL, 0)).lease();
    Lease second = ((Admission.Granted) p.acquire(ticket(), now, TTL, 0)).lease();
    p.release("a", first.leaseId(), Outcome.SUCCESS, null, new CallMetrics(10, 60), now, TTL);
    now += 5_000;
    p.release("a", second.leaseId(), Outcome.SUCCESS, null, new CallMetrics(10, 60), now, TTL);
    // 120 tokens this minute, limit 100: the next request waits
    Admission waiting = p.acquire(ticket(), now, TTL, 0);
    assertInstanceOf(Admission.Queued.class, waiting);
    assertEquals(t0 + 60_000, ((Admission.Queued) waiting).wakeAt(),
        "when the first answer's 60 tokens leave the window, 60 < 100");
    assertEquals(0, p.drain(t0 + 59_999, TTL, 0).grants().size());
    Drained d = p.drain(t0 + 60_000, TTL, 0);
    assertEquals(1, d.grants().size());
    assertEquals(Drained.NEVER, d.wakeAt());
  }

  @Test
  void maxTpmSpillsToTheNextInstanceWhenFirstAvailable() {
    PoolState p = pool(Strategy.FIRST_AVAILABLE, new InstanceSpec("a", 10, 1, 0, 50), new InstanceSpec("b", 10, 1));
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      Lease l = ((Admission.Granted) p.acquire(ticket(), now, TTL, 0)).lease();
      order.append(l.instanceId());
      p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, new CallMetrics(5, 30), now, TTL);
    }
    assertEquals("aabb", order.toString());
  }

  @Test
  void limitsChangeAtRunTimeAndKeepWhatTheyCounted() {
    PoolState p = pool(Strategy.LEAST_LOAD, new InstanceSpec("a", 100, 1, 3, 0));
    for (int i = 0; i < 3; i++) {
      Lease l = ((Admission.Granted) p.acquire(ticket(), now, TTL, 0)).lease();
      p.release("a", l.leaseId(), Outcome.SUCCESS, null, now, TTL);
    }
    assertInstanceOf(Admission.Queued.class, p.acquire(ticket(), now, TTL, 0));
    List<Grant> granted = p.reconfigure(new PoolSpec("p", List.of(new InstanceSpec("a", 100, 1, 4, 0)), 1_000,
        POLICY, Strategy.LEAST_LOAD, 1_000), now);
    assertEquals(1, granted.size(), "a higher limit frees a request at once");
    p.reconfigure(new PoolSpec("p", List.of(new InstanceSpec("a", 100, 1, 2, 0)), 1_000, POLICY,
        Strategy.LEAST_LOAD, 1_000), now);
    assertInstanceOf(Admission.Queued.class, p.acquire(ticket(), now, TTL, 0), "a lower one keeps the count");
    p.reconfigure(new PoolSpec("p", List.of(new InstanceSpec("a", 100, 1)), 1_000, POLICY, Strategy.LEAST_LOAD,
        1_000), now);
    assertEquals(0, p.snapshot().queued(), "no limit: everyone goes");
  }
}
