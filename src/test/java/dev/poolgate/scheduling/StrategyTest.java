package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each selection strategy's shares and orderings over many requests, on a bare {@link PoolState}. */
class StrategyTest {
  private static final HealthPolicy POLICY = new HealthPolicy(1, 2, 1_000, 1);
  private static final long TTL = 30_000;
  private long now = 1_000_000;
  private int ticketSeq;

  private static InstanceSpec inst(String id, int cap, int weight) {
    return new InstanceSpec(id, cap, weight);
  }

  private static PoolState pool(Strategy strategy, InstanceSpec... specs) {
    return pool(strategy, 1_000, specs);
  }

  private static PoolState pool(Strategy strategy, long decayMs, InstanceSpec... specs) {
    return new PoolState(new PoolSpec("p", List.of(specs), 100, POLICY, strategy, decayMs));
  }

  private Ticket ticket(Set<String> excluded) {
    return new Ticket("t" + (++ticketSeq), "n1", 0, 0, now + 10_000, excluded);
  }

  private Lease grant(PoolState p, long seed) {
    Admission a = p.acquire(ticket(Set.of()), now, TTL, seed);
    assertInstanceOf(Admission.Granted.class, a, "granted at once");
    return ((Admission.Granted) a).lease();
  }

  private Lease grant(PoolState p) {
    return grant(p, 0);
  }

  private void done(PoolState p, Lease l) {
    p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, now, TTL);
  }

  /** Serves n requests one after the other (each released before the next) and names who served them. */
  private String sequence(PoolState p, int n) {
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < n; i++) {
      Lease l = grant(p);
      order.append(l.instanceId());
      done(p, l);
    }
    return order.toString();
  }

  // ------------------------------------------------------------------ round robin

  @Test
  void roundRobinIsNginxSmoothSequence() {
    PoolState p = pool(Strategy.ROUND_ROBIN, inst("a", 10, 5), inst("b", 10, 1), inst("c", 10, 1));
    assertEquals("aabacaa" + "aabacaa", sequence(p, 14));
  }

  @Test
  void roundRobinIgnoresLoadButSkipsFullInstances() {
    PoolState p = pool(Strategy.ROUND_ROBIN, inst("a", 10, 1), inst("b", 10, 1), inst("c", 1, 1));
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 7; i++) {
      order.append(grant(p).instanceId()); // none released: load grows, the rotation does not care
    }
    assertEquals("abcabab", order.toString(), "c is skipped once full");
  }

  @Test
  void roundRobinFollowsWeightsChangedAtRunTime() {
    PoolState p = pool(Strategy.ROUND_ROBIN, inst("a", 10, 1), inst("b", 10, 1));
    assertEquals("abab", sequence(p, 4));
    p.reconfigure(new PoolSpec("p", List.of(inst("a", 10, 3), inst("b", 10, 1)), 100, POLICY,
        Strategy.ROUND_ROBIN, 1_000), now);
    String next = sequence(p, 400);
    assertEquals(300, next.chars().filter(c -> c == 'a').count());
  }

  // ------------------------------------------------------------------ weighted random

  @Test
  void weightedRandomSharesFollowWeightsWithAFixedSeed() {
    PoolState p = pool(Strategy.WEIGHTED_RANDOM, inst("a", 100, 3), inst("b", 100, 1), inst("c", 100, 1));
    Random seeds = new Random(42);
    Map<String, Integer> share = new HashMap<>();
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      Lease l = grant(p, seeds.nextLong());
      share.merge(l.instanceId(), 1, Integer::sum);
      done(p, l);
    }
    assertEquals(0.6, share.get("a") / (double) n, 0.02, "a: " + share);
    assertEquals(0.2, share.get("b") / (double) n, 0.02, "b: " + share);
    assertEquals(0.2, share.get("c") / (double) n, 0.02, "c: " + share);
  }

  @Test
  void weightedRandomIsDeterministicGivenTheSeeds() {
    String first = weightedRun(7);
    assertEquals(first, weightedRun(7), "same state and seeds, same choices");
    assertNotEquals(first, weightedRun(8), "other seeds, other choices");
  }

  private String weightedRun(long seed) {
    PoolState p = pool(Strategy.WEIGHTED_RANDOM, inst("a", 100, 1), inst("b", 100, 1));
    Random seeds = new Random(seed);
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      Lease l = grant(p, seeds.nextLong());
      order.append(l.instanceId());
      done(p, l);
    }
    return order.toString();
  }

  // ------------------------------------------------------------------ first available

  @Test
  void firstAvailableFillsThePrimaryThenSpillsToBackupsInOrder() {
    PoolState p = pool(Strategy.FIRST_AVAILABLE, inst("primary", 2, 1), inst("backup1", 2, 5), inst("backup2", 2, 9));
    List<Lease> held = new ArrayList<>();
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      Lease l = grant(p);
      held.add(l);
      order.append(l.instanceId().charAt(l.instanceId().length() - 1)).append(' ');
    }
    assertEquals("y y 1 1 2 2 ", order.toString(), "weights do not matter, order does");
    done(p, held.get(0));
    assertEquals("primary", grant(p).instanceId(), "a freed primary slot is used first");
  }

  @Test
  void firstAvailableSkipsAnUnhealthyPrimaryAndPrefersHealthyBackupsToADegradedOne() {
    PoolState p = pool(Strategy.FIRST_AVAILABLE, inst("primary", 5, 1), inst("backup", 5, 1));
    p.forceHealth("primary", Health.UNHEALTHY, now, TTL);
    assertEquals("backup", grant(p).instanceId());
    p.forceHealth("primary", Health.DEGRADED, now, TTL);
    assertEquals("backup", grant(p).instanceId(), "healthy before degraded, whatever the order");
    p.forceHealth("primary", Health.HEALTHY, now, TTL);
    assertEquals("primary", grant(p).instanceId());
  }

  // ------------------------------------------------------------------ latency

  @Test
  void latencySlowInstanceLosesShareAndRegainsItAfterItRecovers() {
    PoolState p = pool(Strategy.LATENCY, 1_000, inst("fast", 100, 1), inst("slow", 100, 1));
    Map<String, Long> ttfb = new HashMap<>(Map.of("fast", 50L, "slow", 500L));
    Map<String, Integer> sick = serveTimed(p, ttfb, 3_000);
    int slowShare = sick.getOrDefault("slow", 0);
    assertTrue(slowShare > 0, "decay sends it a request now and then: " + sick);
    assertTrue(slowShare < 3_000 * 0.03, "a slow instance gets little: " + sick);

    ttfb.put("slow", 50L);
    serveTimed(p, ttfb, 1_000); // it is tried again as its estimate decays, and answers fast
    Map<String, Integer> recovered = serveTimed(p, ttfb, 2_000);
    double share = recovered.getOrDefault("slow", 0) / 2_000.0;
    assertTrue(share > 0.35, "a recovered instance gets its share back: " + recovered);
  }

  @Test
  void latencyCostCountsRequestsInFlight() {
    PoolState p = pool(Strategy.LATENCY, 1_000, inst("a", 100, 1), inst("b", 100, 1));
    measure(p, "a", 100);
    measure(p, "b", 250);
    // cost = estimate × (in flight + 1): a 100, 200, 300 against b 250, 500
    StringBuilder order = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      order.append(grant(p).instanceId());
    }
    assertEquals("aaba", order.toString());
  }

  /** One request on the instance (the others excluded) that answered after ttfbMs. */
  private void measure(PoolState p, String id, long ttfbMs) {
    Set<String> others = new java.util.HashSet<>(Set.of("a", "b", "fast", "slow"));
    others.remove(id);
    Lease l = ((Admission.Granted) p.acquire(ticket(others), now, TTL, 0)).lease();
    assertEquals(id, l.instanceId());
    p.release(id, l.leaseId(), Outcome.SUCCESS, null, new CallMetrics(ttfbMs, 0), now, TTL);
  }

  /** Serves n requests 10 ms apart, each answering with its instance's time to first byte. */
  private Map<String, Integer> serveTimed(PoolState p, Map<String, Long> ttfb, int n) {
    Map<String, Integer> share = new HashMap<>();
    for (int i = 0; i < n; i++) {
      now += 10;
      Lease l = grant(p);
      share.merge(l.instanceId(), 1, Integer::sum);
      p.release(l.instanceId(), l.leaseId(), Outcome.SUCCESS, null, new CallMetrics(ttfb.get(l.instanceId()), 0),
          now, TTL);
    }
    return share;
  }

  // ------------------------------------------------------------------ every strategy

  @Test
  void everyStrategyHonoursExclusionCapsAndHealth() {
    for (Strategy s : Strategy.values()) {
      PoolState p = pool(s, inst("a", 3, 5), inst("b", 3, 1), inst("c", 3, 1));
      p.forceHealth("c", Health.UNHEALTHY, now, TTL);
      Map<String, Integer> served = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        Admission a = p.acquire(ticket(Set.of("a")), now, TTL, i + 1);
        assertInstanceOf(Admission.Granted.class, a, s + " grants while b is free");
        served.merge(((Admission.Granted) a).lease().instanceId(), 1, Integer::sum);
      }
      assertEquals(Map.of("b", 3), served, s + ": never the excluded a nor the unhealthy c");
      assertInstanceOf(Admission.Queued.class, p.acquire(ticket(Set.of("a")), now, TTL, 9), s + ": b is full");
      assertEquals(3, p.instance("b").inFlight(), s + " keeps b's cap");
    }
  }

  @Test
  void defaultIsLeastLoad() {
    PoolSpec spec = new PoolSpec("p", List.of(inst("a", 1, 1)), 1, POLICY);
    assertEquals(Strategy.LEAST_LOAD, spec.strategy());
    assertEquals(Strategy.LATENCY, Strategy.fromConfig("latency"));
  }
}
