package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store's side of allotments: units count against caps, go back, get lost, and stop at contention. */
class PoolStateAllotmentTest {
  private static final HealthPolicy POLICY = new HealthPolicy(2, 4, 1_000, 2);
  private static final long TTL = 30_000;
  private final long now = 1_000_000;

  private static PoolState pool(int... caps) {
    List<InstanceSpec> specs = new java.util.ArrayList<>();
    for (int i = 0; i < caps.length; i++) {
      specs.add(new InstanceSpec("i" + i, caps[i], 1));
    }
    return new PoolState(new PoolSpec("p", specs, 100, POLICY));
  }

  private AllotmentAnswer sync(PoolState p, String node, long epoch, int grow, AllotmentSync.Entry... entries) {
    return p.sync(new AllotmentSync(node, epoch, List.of(entries), grow, 8), now, TTL, 0);
  }

  private static AllotmentSync.Entry keep(String instance, int known, int target, int inUse) {
    return new AllotmentSync.Entry(instance, known, target, inUse, List.of(), 0, 0);
  }

  private static int units(AllotmentAnswer a) {
    return a.units().values().stream().mapToInt(Integer::intValue).sum();
  }

  @Test
  void unitsCountAgainstTheCapAndAQuarterStaysUnallotted() {
    PoolState p = pool(40);
    AllotmentAnswer a = sync(p, "n1", 7, 100);
    assertEquals(30, units(a), "a quarter of the cap, 10, stays unallotted");
    assertEquals(Set.of("i0"), a.usable());
    assertEquals(30, p.instance("i0").inFlight());
    assertEquals(0, p.snapshot(now).inFlight(), "idle units are not requests");
    // the shared path still has the rest, exactly
    for (int i = 0; i < 10; i++) {
      assertInstanceOf(Admission.Granted.class, p.acquire(new Ticket("t" + i, "n2", 5, 0, now + 1_000, Set.of()), now, TTL));
    }
    assertInstanceOf(Admission.Queued.class, p.acquire(new Ticket("t-full", "n2", 5, 0, now + 1_000, Set.of()), now, TTL));
  }

  @Test
  void smallInstancesAndOtherStrategiesAreNeverAllotted() {
    assertEquals(0, units(sync(pool(7), "n1", 1, 4)));
    PoolState roundRobin = new PoolState(new PoolSpec("p", List.of(new InstanceSpec("i0", 100, 1)), 10, POLICY,
        Strategy.ROUND_ROBIN, PoolSpec.DEFAULT_LATENCY_DECAY_MS));
    assertEquals(0, units(sync(roundRobin, "n1", 1, 4)));
    PoolState limited = new PoolState(new PoolSpec("p", List.of(new InstanceSpec("i0", 100, 1, 10, 0)), 10, POLICY));
    assertEquals(0, units(sync(limited, "n1", 1, 4)), "rate limits stay exact per grant");
  }

  @Test
  void aQueuedTicketAsksForARecallAndGivenBackUnitsGoToTheQueue() {
    PoolState p = pool(8);
    assertEquals(5, units(sync(p, "n1", 1, 5)));
    for (int i = 0; i < 3; i++) {
      p.acquire(new Ticket("t" + i, "n2", 5, 0, now + 1_000, Set.of()), now, TTL);
    }
    Admission queued = p.acquire(new Ticket("waiting", "n2", 9, 0, now + 1_000, Set.of()), now, TTL);
    assertTrue(((Admission.Queued) queued).recall(), "units are out: nodes must be told");
    AllotmentAnswer back = sync(p, "n1", 1, 3, keep("i0", 5, 2, 2));
    assertEquals(2, units(back), "no growth while tickets wait");
    assertFalse(back.contended(), "the unit given back served the queue");
    assertEquals(1, back.drained().grants().size());
    assertEquals("waiting", back.drained().grants().get(0).ticket().ticketId());
  }

  @Test
  void unitsUnderAnotherEpochOrPurgedAreReportedLost() {
    PoolState p = pool(40);
    sync(p, "n1", 1, 4);
    p.purgeNode("n1", now, TTL);
    assertEquals(0, p.instance("i0").inFlight());
    AllotmentAnswer a = sync(p, "n1", 1, 0, keep("i0", 4, 4, 3));
    assertEquals(List.of("i0"), a.lost());
    assertEquals(0, units(a));
    sync(p, "n2", 5, 3);
    AllotmentAnswer other = sync(p, "n2", 6, 0, keep("i0", 3, 3, 1));
    assertEquals(List.of("i0"), other.lost(), "a new book of the same node does not inherit old units");
  }

  @Test
  void outcomesMoveHealthInOrderAndUnitsOfAnUnhealthyInstanceAreNotUsable() {
    PoolState p = pool(40);
    sync(p, "n1", 1, 4);
    AllotmentSync.Entry failing = new AllotmentSync.Entry("i0", 4, 4, 0, List.of(
        new AllotmentSync.OutcomeRun(Outcome.SUCCESS, 3, null),
        new AllotmentSync.OutcomeRun(Outcome.FAILURE, 1, "502"),
        new AllotmentSync.OutcomeRun(Outcome.FAILURE, 1, "502"),
        new AllotmentSync.OutcomeRun(Outcome.FAILURE, 1, "502"),
        new AllotmentSync.OutcomeRun(Outcome.FAILURE, 1, "503")), 120, 3);
    AllotmentAnswer a = sync(p, "n1", 1, 0, failing);
    assertEquals(Health.UNHEALTHY, p.instance("i0").health().health());
    assertEquals("503", p.instance("i0").health().lastError());
    assertFalse(a.usable().contains("i0"));
  }

  @Test
  void expiredUnitsComeBackAndUnmentionedOnesAreReturned() {
    PoolState p = pool(40);
    sync(p, "n1", 1, 4);
    assertEquals(4, p.instance("i0").inFlight());
    // the node never heard of its units (a lost answer): its next sync does not mention them
    AllotmentAnswer a = sync(p, "n1", 1, 0);
    assertEquals(0, units(a));
    assertEquals(0, p.instance("i0").inFlight());
    sync(p, "n1", 1, 4);
    p.expire(now + TTL + 1, 1_000, TTL);
    assertEquals(0, p.instance("i0").inFlight());
  }

  @Test
  void aDrainedInstanceGetsNoUnitsAndItsUnitsStartNothing() {
    PoolState p = pool(40);
    assertEquals(Set.of("i0"), sync(p, "n1", 1, 4).usable());
    p.reconfigure(new PoolSpec("p", List.of(new InstanceSpec("i0", 40, 1, 0, 0, true)), 100, POLICY), now);
    AllotmentAnswer drained = sync(p, "n1", 1, 10, keep("i0", 4, 4, 1));
    assertTrue(drained.usable().isEmpty(), "units held on a drained instance start no request");
    assertEquals(4, units(drained), "and it gets no more");
  }
}
