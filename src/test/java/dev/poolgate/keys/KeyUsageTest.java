package dev.poolgate.keys;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-key counting on its own: limits, windows, idempotence, dropping a dead node's permits. */
class KeyUsageTest {
  private static final long T0 = 1_700_000_000_000L;

  @Test
  void concurrencyCountsEveryNodeAndFreesOnRelease() {
    KeyUsage u = new KeyUsage();
    KeyLimits two = new KeyLimits(0, 0, 2);
    assertNull(u.acquire("a", "p1", two, T0));
    assertNull(u.acquire("b", "p2", two, T0));
    Refusal r = u.acquire("a", "p3", two, T0);
    assertEquals(KeyLimit.MAX_CONCURRENCY, r.limit());
    assertEquals(2, r.value());
    assertEquals(1, r.retryAfterSeconds());
    assertTrue(u.release("b", "p2", 0, T0));
    assertNull(u.acquire("a", "p3", two, T0));
    assertEquals(2, u.inFlight());
  }

  @Test
  void acquireAndReleaseAreIdempotentPerPermit() {
    KeyUsage u = new KeyUsage();
    KeyLimits limits = new KeyLimits(0, 100, 1);
    assertNull(u.acquire("a", "p1", limits, T0));
    assertNull(u.acquire("a", "p1", limits, T0), "a retried acquire gets its permit back");
    assertEquals(1, u.inFlight());
    assertTrue(u.release("a", "p1", 60, T0));
    assertFalse(u.release("a", "p1", 60, T0), "a second release is a no-op");
    assertNull(u.acquire("a", "p2", limits, T0 + 1), "60 tokens counted once: still under 100");
  }

  @Test
  void rpsIsASlidingSecondAndRefusalsAreNotCounted() {
    KeyUsage u = new KeyUsage();
    KeyLimits three = new KeyLimits(3, 0, 0);
    assertNull(u.acquire("a", "p1", three, T0));
    assertNull(u.acquire("a", "p2", three, T0 + 300));
    assertNull(u.acquire("a", "p3", three, T0 + 600));
    Refusal r = u.acquire("a", "p4", three, T0 + 900);
    assertEquals(KeyLimit.MAX_RPS, r.limit());
    assertEquals(100, r.retryAfterMs(), "the first request leaves the window at T0 + 1000");
    for (int i = 0; i < 50; i++) {
      assertEquals(KeyLimit.MAX_RPS, u.acquire("a", "x" + i, three, T0 + 950).limit());
    }
    assertNull(u.acquire("a", "p4", three, T0 + 1_000), "refused requests did not fill the window");
    assertEquals(KeyLimit.MAX_RPS, u.acquire("a", "p5", three, T0 + 1_000).limit());
    assertNull(u.acquire("a", "p5", three, T0 + 1_300));
  }

  @Test
  void tpmCountsReleasedTokensForAMinute() {
    KeyUsage u = new KeyUsage();
    KeyLimits tpm = new KeyLimits(0, 100, 0);
    assertNull(u.acquire("a", "p1", tpm, T0));
    assertNull(u.acquire("a", "p2", tpm, T0), "tokens count when requests end, so two may start");
    u.release("a", "p1", 70, T0 + 500);
    u.release("a", "p2", 50, T0 + 10_500);
    Refusal r = u.acquire("a", "p3", tpm, T0 + 20_000);
    assertEquals(KeyLimit.MAX_TPM, r.limit());
    assertEquals(40_000, r.retryAfterMs(), "the 70 tokens leave the minute at T0 + 60 s");
    assertEquals(40, r.retryAfterSeconds());
    assertNull(u.acquire("a", "p3", tpm, T0 + 60_000));
  }

  @Test
  void aDeadNodesPermitsAreDropped() {
    KeyUsage u = new KeyUsage();
    KeyLimits one = new KeyLimits(0, 0, 1);
    assertNull(u.acquire("dead", "p1", one, T0));
    assertEquals(KeyLimit.MAX_CONCURRENCY, u.acquire("alive", "p2", one, T0).limit());
    assertEquals(Set.of("dead"), u.nodes());
    assertEquals(1, u.purgeNode("dead"));
    assertEquals(0, u.purgeNode("dead"), "purging is idempotent");
    assertFalse(u.release("dead", "p1", 1_000, T0), "the dead node's late release counts nothing");
    assertNull(u.acquire("alive", "p2", one, T0));
  }

  @Test
  void idleOnlyWhenNothingHeldAndWindowsEmpty() {
    KeyUsage u = new KeyUsage();
    assertTrue(u.idle(T0));
    u.acquire("a", "p1", new KeyLimits(1, 10, 1), T0);
    assertFalse(u.idle(T0));
    u.release("a", "p1", 5, T0);
    assertFalse(u.idle(T0 + 1_500), "tokens still in the minute");
    assertTrue(u.idle(T0 + 60_000));
  }
}
