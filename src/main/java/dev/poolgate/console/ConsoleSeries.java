package dev.poolgate.console;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node's last {@value #SECONDS} seconds, one {@link PoolSecond} per pool and second: a ring of
 * fixed size, so its memory is bounded by seconds × pools whatever the load. Requests are counted
 * in the second they end. Writers are the ingress event loops; readers the console's ticker, so
 * every access takes the ring's lock (a few hundred nanoseconds per request).
 */
public final class ConsoleSeries {
  /** 15 minutes at one point per second. */
  public static final int SECONDS = 900;

  private final int capacity;
  /** Per ring slot: the epoch second it holds, or -1. */
  private final long[] second;
  private final Map<String, PoolSecond>[] pools;

  public ConsoleSeries() {
    this(SECONDS);
  }

  @SuppressWarnings("unchecked")
  ConsoleSeries(int capacity) {
    this.capacity = capacity;
    this.second = new long[capacity];
    this.pools = new Map[capacity];
    java.util.Arrays.fill(second, -1);
  }

  /** Counts one ended request of a pool at {@code nowMillis}; durations in nanoseconds, negative when not measured. */
  public void record(long nowMillis, String pool, int status, int retried, boolean fallback, boolean borrowed,
                     int tokensIn, int tokensOut, long totalNanos, long firstByteNanos, long queueWaitNanos) {
    long sec = Math.floorDiv(nowMillis, 1000);
    synchronized (this) {
      int at = (int) Math.floorMod(sec, (long) capacity);
      if (second[at] != sec) {
        if (second[at] > sec) {
          return; // older than the ring: a clock that stepped back
        }
        second[at] = sec;
        pools[at] = new LinkedHashMap<>();
      }
      pools[at].computeIfAbsent(pool, p -> new PoolSecond())
          .add(status, retried, fallback, borrowed, tokensIn, tokensOut, totalNanos, firstByteNanos, queueWaitNanos);
    }
  }

  /**
   * Copies of the seconds in {@code [fromSecond, toSecond]} that saw a request, by second and
   * pool; seconds older than the ring are gone.
   */
  public TreeMap<Long, Map<String, PoolSecond>> range(long fromSecond, long toSecond) {
    TreeMap<Long, Map<String, PoolSecond>> out = new TreeMap<>();
    long from = Math.max(fromSecond, toSecond - capacity + 1);
    synchronized (this) {
      for (long s = from; s <= toSecond; s++) {
        int at = (int) Math.floorMod(s, (long) capacity);
        if (second[at] == s) {
          Map<String, PoolSecond> copy = new LinkedHashMap<>();
          pools[at].forEach((pool, p) -> copy.put(pool, p.copy()));
          out.put(s, copy);
        }
      }
    }
    return out;
  }

  public int capacity() {
    return capacity;
  }
}
