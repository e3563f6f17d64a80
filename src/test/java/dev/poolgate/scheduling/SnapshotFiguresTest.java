package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** What a snapshot tells the status pages: the grants of the last second and the latency estimate. */
class SnapshotFiguresTest {
  private static final HealthPolicy POLICY = new HealthPolicy(2, 4, 1_000, 2);
  private static final long TTL = 30_000;
  private int seq;

  private Lease admit(PoolState p, long now) {
    Admission a = p.acquire(new Ticket("t" + (++seq), "n1", 0, 0, now + 60_000, Set.of()), now, TTL);
    return assertInstanceOf(Admission.Granted.class, a).lease();
  }

  @Test
  void requestsOfTheLastSecondAreCountedAsOfTheGivenTime() {
    PoolState p = new PoolState(new PoolSpec("p", List.of(new InstanceSpec("a", 100, 1, 10, 0)), 100, POLICY));
    long t0 = 5_000_000;
    admit(p, t0);
    admit(p, t0 + 300);
    admit(p, t0 + 600);
    InstanceSnapshot at700 = p.snapshot(t0 + 700).instances().get(0);
    assertEquals(10, at700.maxRps());
    assertEquals(3, at700.requestsLastSecond());
    assertEquals(3, at700.inFlight());
    assertEquals(2, p.snapshot(t0 + 1_000).instances().get(0).requestsLastSecond(), "the first left the window");
    assertEquals(0, p.snapshot(t0 + 1_600).instances().get(0).requestsLastSecond());
  }

  @Test
  void anInstanceWithoutMaxRpsCountsNothingAndLatencyFollowsTheAnswers() {
    PoolState p = new PoolState(new PoolSpec("p", List.of(new InstanceSpec("a", 4, 1)), 100, POLICY));
    long t0 = 1_000_000;
    Lease lease = admit(p, t0);
    InstanceSnapshot before = p.snapshot(t0).instances().get(0);
    assertEquals(0, before.requestsLastSecond());
    assertEquals(-1, before.latencyMs(), "never answered");
    p.release("a", lease.leaseId(), Outcome.SUCCESS, null, new CallMetrics(250, 10), t0 + 250, TTL);
    assertEquals(250.0, p.snapshot(t0 + 300).instances().get(0).latencyMs());
    Lease second = admit(p, t0 + 400);
    p.release("a", second.leaseId(), Outcome.SUCCESS, null, new CallMetrics(400, 10), t0 + 800, TTL);
    assertEquals(400.0, p.snapshot(t0 + 900).instances().get(0).latencyMs(), "a slower answer is the new peak");
  }
}
