package dev.poolgate.timing;

/**
 * Coarse deadlines kept by one thread: a hashed timing wheel. Setting and cancelling a deadline
 * is a link and an unlink in a list, with no lock and no priority queue; {@link #advance} fires
 * what has come due, at most one tick late.
 *
 * <p>Why: a request through the gateway carries several deadlines (the connection's next head,
 * its body, the upstream call's first byte and whole call) that almost never fire. As event-loop
 * timers each one cost a scheduled task in a priority queue plus the framework's bookkeeping to set
 * and again to cancel, per request; here both are a few field writes.
 *
 * <p>Not thread-safe: one wheel per event loop, used only from that loop's thread.
 */
public final class DeadlineWheel {
  private final long tickMs;
  private final Entry[] slots;
  private final int mask;
  /** The last tick fired: everything due at or before it has run. */
  private long tick;
  private int size;

  /** A deadline set on the wheel. */
  public static final class Entry {
    private final Runnable action;
    private long dueTick;
    private int slot = -1;
    private Entry prev;
    private Entry next;

    private Entry(Runnable action) {
      this.action = action;
    }

    /** Whether it is still waiting (neither fired nor cancelled). */
    public boolean pending() {
      return slot >= 0;
    }
  }

  /**
   * @param tickMs how coarse the deadlines are
   * @param slots  how many ticks one turn of the wheel holds (a power of two); deadlines further
   *               out wait for later turns
   * @param nowMs  the clock now
   */
  public DeadlineWheel(long tickMs, int slots, long nowMs) {
    if (tickMs < 1 || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("tick " + tickMs + " ms, " + slots + " slots");
    }
    this.tickMs = tickMs;
    this.slots = new Entry[slots];
    this.mask = slots - 1;
    this.tick = nowMs / tickMs;
  }

  /** Runs {@code action} once {@code delayMs} from {@code nowMs} have passed (within a tick after). */
  public Entry schedule(long nowMs, long delayMs, Runnable action) {
    Entry e = new Entry(action);
    long due = Math.floorDiv(nowMs + Math.max(0, delayMs) + tickMs - 1, tickMs);
    e.dueTick = Math.max(due, tick + 1);
    link(e, (int) (e.dueTick & mask));
    return e;
  }

  /** Takes a pending deadline off; nothing if it fired or was cancelled already. */
  public void cancel(Entry e) {
    if (e.pending()) {
      unlink(e);
    }
  }

  /**
   * Fires every deadline due by {@code nowMs}, in the order of their ticks. An action may set or
   * cancel deadlines; one that throws does not stop the others.
   *
   * @return how many fired
   */
  public int advance(long nowMs) {
    long target = nowMs / tickMs;
    int fired = 0;
    while (tick < target && size > 0) {
      tick++;
      int slot = (int) (tick & mask);
      Entry e = slots[slot];
      while (e != null) {
        Entry next = e.next;
        if (e.dueTick <= tick) {
          unlink(e);
          fired++;
          try {
            e.action.run();
          } catch (RuntimeException ex) {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, ex);
          }
          if (next != null && next.slot != slot) {
            // the action cancelled the next entry: go over the slot again from its head
            next = slots[slot];
          }
        }
        e = next;
      }
    }
    if (size == 0) {
      tick = Math.max(tick, target);
    }
    return fired;
  }

  /** Deadlines still pending. */
  public int size() {
    return size;
  }

  public long tickMs() {
    return tickMs;
  }

  private void link(Entry e, int slot) {
    e.slot = slot;
    e.prev = null;
    e.next = slots[slot];
    if (e.next != null) {
      e.next.prev = e;
    }
    slots[slot] = e;
    size++;
  }

  private void unlink(Entry e) {
    if (e.prev != null) {
      e.prev.next = e.next;
    } else {
      slots[e.slot] = e.next;
    }
    if (e.next != null) {
      e.next.prev = e.prev;
    }
    e.prev = null;
    e.next = null;
    e.slot = -1;
    size--;
  }
}
