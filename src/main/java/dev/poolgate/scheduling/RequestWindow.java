package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * A sliding one-second window of the grants made on one instance, for {@code max_rps}: a ring of
 * the last {@code limit} grant times. An instance may take another request when fewer than
 * {@code limit} grants fall within the last second, so in any second there are never more than
 * {@code limit} — not the up-to-double bursts of a fixed window at its edges.
 */
final class RequestWindow implements Serializable {
  private static final long serialVersionUID = 1L;
  static final long WINDOW_MS = 1_000;

  private final long[] times;
  private int head;
  private int count;

  RequestWindow(int limit) {
    this.times = new long[limit];
  }

  int limit() {
    return times.length;
  }

  boolean admits(long now) {
    return count < times.length || times[head] + WINDOW_MS <= now;
  }

  /** When the window next admits a request (now if it does). */
  long freeAt(long now) {
    return admits(now) ? now : times[head] + WINDOW_MS;
  }

  void record(long now) {
    if (count == times.length) {
      head = (head + 1) % times.length;
      count--;
    }
    times[(head + count) % times.length] = now;
    count++;
  }

  /** How many of the recorded grants came after {@code since}. */
  int countSince(long since) {
    int n = 0;
    for (int i = 0; i < count; i++) {
      if (times[(head + i) % times.length] > since) {
        n++;
      }
    }
    return n;
  }

  /** The same window under another limit, keeping the newest grants. */
  RequestWindow resized(int limit) {
    RequestWindow next = new RequestWindow(limit);
    for (int i = Math.max(0, count - limit); i < count; i++) {
      next.record(times[(head + i) % times.length]);
    }
    return next;
  }
}
