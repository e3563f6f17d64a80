package dev.poolgate.scheduling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** healthy → degraded → unhealthy, cooldown, half-open probes, recovery. */
class HealthStateTest {
  private static final HealthPolicy POLICY = new HealthPolicy(2, 3, 1_000, 2);
  private final HealthState h = new HealthState();
  private long now = 10_000;

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      h.recordTraffic(Outcome.FAILURE, "err" + i, POLICY, now);
    }
  }

  @Test
  void startsHealthy() {
    assertEquals(Health.HEALTHY, h.health());
    assertTrue(h.admitsTraffic());
  }

  @Test
  void consecutiveFailuresDegradeThenMakeUnhealthy() {
    fail(1);
    assertEquals(Health.HEALTHY, h.health());
    assertTrue(h.recordTraffic(Outcome.FAILURE, "second", POLICY, now), "reports the change");
    assertEquals(Health.DEGRADED, h.health());
    assertTrue(h.admitsTraffic(), "degraded still takes traffic");
    assertTrue(h.recordTraffic(Outcome.FAILURE, "third", POLICY, now), "reports the change");
    assertEquals(Health.UNHEALTHY, h.health());
    assertFalse(h.admitsTraffic());
    assertEquals("third", h.lastError());
    assertEquals(now, h.lastChangeAt());
  }

  @Test
  void aSuccessResetsTheFailureCount() {
    fail(1);
    h.recordTraffic(Outcome.SUCCESS, null, POLICY, now);
    fail(1);
    assertEquals(Health.HEALTHY, h.health());
    assertEquals(1, h.consecutiveFailures());
  }

  @Test
  void neutralOutcomesCountForNothing() {
    fail(1);
    assertFalse(h.recordTraffic(Outcome.NEUTRAL, null, POLICY, now));
    fail(1);
    assertEquals(Health.DEGRADED, h.health(), "the neutral outcome did not break the run of failures");
  }

  @Test
  void degradedRecoversAfterConsecutiveSuccesses() {
    fail(2);
    assertEquals(Health.DEGRADED, h.health());
    h.recordTraffic(Outcome.SUCCESS, null, POLICY, now);
    assertEquals(Health.DEGRADED, h.health());
    assertTrue(h.recordTraffic(Outcome.SUCCESS, null, POLICY, now));
    assertEquals(Health.HEALTHY, h.health());
    assertEquals(0, h.consecutiveFailures());
  }

  @Test
  void unhealthyRestsForTheCooldownThenProbesBringItBack() {
    fail(3);
    assertEquals(Health.UNHEALTHY, h.health());
    assertFalse(h.cooledDown(POLICY, now + 999));
    assertFalse(h.recordProbe(true, null, POLICY, now + 500), "probes in the cooldown are ignored");
    assertEquals(0, h.consecutiveSuccesses());

    now += 1_000;
    assertTrue(h.cooledDown(POLICY, now));
    assertFalse(h.recordProbe(true, null, POLICY, now));
    assertEquals(Health.UNHEALTHY, h.health(), "one half-open success is not enough");
    assertTrue(h.recordProbe(true, null, POLICY, now));
    assertEquals(Health.HEALTHY, h.health());
    assertTrue(h.admitsTraffic());
  }

  @Test
  void aFailedHalfOpenProbeRestartsTheCooldown() {
    fail(3);
    now += 1_000;
    h.recordProbe(true, null, POLICY, now);
    assertFalse(h.recordProbe(false, "still down", POLICY, now));
    assertEquals(Health.UNHEALTHY, h.health());
    assertEquals("still down", h.lastError());
    assertFalse(h.cooledDown(POLICY, now + 999), "rests again from the failed probe");
    assertFalse(h.recordProbe(true, null, POLICY, now + 500));
    assertEquals(0, h.consecutiveSuccesses(), "the earlier success does not count after a failure");
    assertTrue(h.cooledDown(POLICY, now + 1_000));
  }

  @Test
  void probeFailuresAlsoDegradeAHealthyInstance() {
    h.recordProbe(false, "p1", POLICY, now);
    h.recordProbe(false, "p2", POLICY, now);
    assertEquals(Health.DEGRADED, h.health());
  }

  @Test
  void forceSetsTheStateAndClearsTheCounts() {
    fail(2);
    assertTrue(h.force(Health.UNHEALTHY, now));
    assertEquals(0, h.consecutiveFailures());
    assertTrue(h.force(Health.HEALTHY, now));
    assertFalse(h.force(Health.HEALTHY, now), "no change, nothing reported");
  }

  @Test
  void policyRejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(0, 1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(3, 2, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(1, 1, -1, 1));
    assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(1, 1, 0, 0));
  }
}
