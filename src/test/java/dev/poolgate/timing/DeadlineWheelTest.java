package dev.poolgate.timing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The timing wheel on a clock the test moves: when deadlines fire, cancel, turns, actions that touch the wheel. */
class DeadlineWheelTest {

  @Test
  void aDeadlineFiresOnceAtItsTickNotBeforeAndAtMostOneTickLate() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, 1_000);
    List<Long> fired = new ArrayList<>();
    long[] now = {1_003};
    wheel.schedule(now[0], 25, () -> fired.add(now[0]));
    for (now[0] = 1_004; now[0] < 1_100; now[0]++) {
      wheel.advance(now[0]);
    }
    assertEquals(1, fired.size());
    assertTrue(fired.get(0) >= 1_028 && fired.get(0) <= 1_038, "fired at " + fired.get(0));
    assertEquals(0, wheel.size());
  }

  @Test
  void aCancelledDeadlineNeverFires() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, 0);
    int[] fired = {0};
    DeadlineWheel.Entry e = wheel.schedule(0, 50, () -> fired[0]++);
    assertTrue(e.pending());
    wheel.cancel(e);
    wheel.cancel(e);
    assertFalse(e.pending());
    assertEquals(0, wheel.advance(1_000));
    assertEquals(0, fired[0]);
    assertEquals(0, wheel.size());
  }

  @Test
  void deadlinesBeyondOneTurnWaitForTheirTurn() {
    DeadlineWheel wheel = new DeadlineWheel(10, 4, 0); // one turn: 40 ms
    List<String> fired = new ArrayList<>();
    wheel.schedule(0, 15, () -> fired.add("soon"));
    wheel.schedule(0, 95, () -> fired.add("later")); // same slot as a 15 ms deadline, two turns on
    wheel.advance(30);
    assertEquals(List.of("soon"), fired);
    wheel.advance(90);
    assertEquals(List.of("soon"), fired);
    wheel.advance(100);
    assertEquals(List.of("soon", "later"), fired);
  }

  @Test
  void anActionMaySetAndCancelDeadlinesAndOneThatThrowsStopsNoOther() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, 0);
    List<String> fired = new ArrayList<>();
    DeadlineWheel.Entry[] victim = new DeadlineWheel.Entry[1];
    Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
    List<Throwable> uncaught = new ArrayList<>();
    Thread.currentThread().setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    try {
      // all due at the same tick: the first to fire cancels one and sets another
      victim[0] = wheel.schedule(0, 20, () -> fired.add("victim"));
      wheel.schedule(0, 20, () -> {
        fired.add("canceller");
        wheel.cancel(victim[0]);
        wheel.schedule(20, 10, () -> fired.add("follow-up"));
      });
      wheel.schedule(0, 20, () -> {
        throw new IllegalStateException("boom");
      });
      wheel.advance(20);
      assertTrue(fired.contains("canceller"), fired.toString());
      assertEquals(1, uncaught.size());
      wheel.advance(40);
      assertTrue(fired.contains("follow-up"), fired.toString());
      // the victim fires only if it came before its canceller in the slot
      assertEquals(fired.contains("victim") ? 3 : 2, fired.size(), fired.toString());
      assertEquals(0, wheel.size());
    } finally {
      Thread.currentThread().setUncaughtExceptionHandler(before);
    }
  }

  @Test
  void aDeadlineInThePastFiresAtTheNextTick() {
    DeadlineWheel wheel = new DeadlineWheel(10, 8, 500);
    int[] fired = {0};
    wheel.schedule(400, 0, () -> fired[0]++);
    wheel.advance(505);
    assertEquals(0, fired[0]);
    wheel.advance(510);
    assertEquals(1, fired[0]);
  }

  @Test
  void randomDeadlinesAllFireInTimeOrCancelled() {
    Random random = new Random(42);
    DeadlineWheel wheel = new DeadlineWheel(10, 16, 0);
    int n = 2_000;
    long[] due = new long[n];
    long[] firedAt = new long[n];
    DeadlineWheel.Entry[] entries = new DeadlineWheel.Entry[n];
    boolean[] cancelled = new boolean[n];
    long[] now = {0};
    for (int i = 0; i < n; i++) {
      int k = i;
      long delay = random.nextInt(1_000);
      due[i] = now[0] + delay;
      firedAt[i] = -1;
      entries[i] = wheel.schedule(now[0], delay, () -> firedAt[k] = now[0]);
      if (random.nextInt(4) == 0) {
        int c = random.nextInt(i + 1);
        cancelled[c] |= entries[c].pending();
        wheel.cancel(entries[c]);
      }
      now[0] += random.nextInt(3);
      wheel.advance(now[0]);
    }
    for (int t = 0; t < 2_000; t++) {
      now[0]++;
      wheel.advance(now[0]);
    }
    for (int i = 0; i < n; i++) {
      if (cancelled[i]) {
        assertEquals(-1, firedAt[i], "cancelled #" + i);
      } else {
        assertTrue(firedAt[i] >= due[i] && firedAt[i] <= due[i] + 10, "#" + i + " due " + due[i] + " fired " + firedAt[i]);
      }
    }
    assertEquals(0, wheel.size());
  }

  @Test
  void badShapesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new DeadlineWheel(0, 8, 0));
    assertThrows(IllegalArgumentException.class, () -> new DeadlineWheel(10, 6, 0));
  }
}
