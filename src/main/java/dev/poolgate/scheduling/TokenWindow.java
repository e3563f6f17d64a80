package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * The tokens one instance used in the last minute, for {@code max_tpm}: sixty one-second buckets,
 * filled as answers finish (prompt + completion tokens reported with the release). The instance
 * takes requests while the minute's total is under the limit; requests already in flight may take
 * it over, since their tokens are only known when they end.
 */
final class TokenWindow implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int BUCKETS = 60;
  private static final long BUCKET_MS = 1_000;

  private final long[] tokens = new long[BUCKETS];
  private final long[] second = new long[BUCKETS];

  TokenWindow() {
    java.util.Arrays.fill(second, Long.MIN_VALUE);
  }

  void record(long now, long used) {
    long sec = now / BUCKET_MS;
    int i = (int) Math.floorMod(sec, (long) BUCKETS);
    if (second[i] != sec) {
      second[i] = sec;
      tokens[i] = 0;
    }
    tokens[i] += used;
  }

  long used(long now) {
    long sec = now / BUCKET_MS;
    long sum = 0;
    for (int i = 0; i < BUCKETS; i++) {
      if (live(second[i], sec)) {
        sum += tokens[i];
      }
    }
    return sum;
  }

  boolean admits(long now, long limit) {
    return used(now) < limit;
  }

  /** When the minute's total next drops under the limit (now if it is under). */
  long freeAt(long now, long limit) {
    long used = used(now);
    if (used < limit) {
      return now;
    }
    long sec = now / BUCKET_MS;
    // oldest bucket first: each one leaves the window a minute after it began
    for (long s = sec - BUCKETS + 1; s <= sec; s++) {
      int i = (int) Math.floorMod(s, (long) BUCKETS);
      if (second[i] == s) {
        used -= tokens[i];
        if (used < limit) {
          return (s + BUCKETS) * BUCKET_MS;
        }
      }
    }
    return (sec + BUCKETS) * BUCKET_MS;
  }

  private static boolean live(long bucketSecond, long nowSecond) {
    return bucketSecond != Long.MIN_VALUE && bucketSecond > nowSecond - BUCKETS && bucketSecond <= nowSecond;
  }
}
