package dev.poolgate.console;

import java.util.Arrays;

/**
 * A mergeable histogram of durations: log-scaled buckets (each {@value #GROWTH}× the previous, so
 * a percentile read from it is off by under 5 %), stored sparsely. Two histograms of the same
 * second on two nodes add bucket by bucket, so percentiles of a cluster are computed from the
 * cluster's samples, not averaged from each node's percentiles.
 */
public final class LatencyHistogram {
  /** Bucket 0 holds everything up to this many milliseconds. */
  static final double MIN_MS = 0.01;
  static final double GROWTH = 1.09;
  /** Buckets up to ~10 minutes; longer durations land in the last one. */
  static final int BUCKETS = 210;
  private static final double LOG_GROWTH = Math.log(GROWTH);

  /** Bucket indexes in ascending order, and their counts. */
  private int[] index = new int[4];
  private long[] count = new long[4];
  private int size;
  private long total;

  /** Adds one duration in nanoseconds; a negative one (not measured) is ignored. */
  public void addNanos(long nanos) {
    if (nanos >= 0) {
      add(bucketOf(nanos / 1_000_000.0), 1);
    }
  }

  /** Adds every sample of the other histogram. */
  public void merge(LatencyHistogram other) {
    for (int i = 0; i < other.size; i++) {
      add(other.index[i], other.count[i]);
    }
  }

  public long total() {
    return total;
  }

  /**
   * The duration in ms below which the given fraction of samples fall (the geometric middle of the
   * bucket holding that rank), or -1 when empty.
   */
  public double percentile(double fraction) {
    if (total == 0) {
      return -1;
    }
    long rank = Math.max(1, (long) Math.ceil(fraction * total));
    long seen = 0;
    for (int i = 0; i < size; i++) {
      seen += count[i];
      if (seen >= rank) {
        return middleOf(index[i]);
      }
    }
    return middleOf(index[size - 1]);
  }

  /** Flat pairs {@code [bucket, count, bucket, count, ...]} (what crosses the event bus). */
  public long[] pairs() {
    long[] out = new long[size * 2];
    for (int i = 0; i < size; i++) {
      out[2 * i] = index[i];
      out[2 * i + 1] = count[i];
    }
    return out;
  }

  /** The histogram {@link #pairs()} describes; pairs out of range are refused. */
  public static LatencyHistogram ofPairs(long[] pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("histogram pairs must come in twos, got " + pairs.length + " numbers");
    }
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i] < 0 || pairs[i] >= BUCKETS || pairs[i + 1] < 0) {
        throw new IllegalArgumentException("bad histogram bucket " + pairs[i] + " x " + pairs[i + 1]);
      }
      h.add((int) pairs[i], pairs[i + 1]);
    }
    return h;
  }

  static int bucketOf(double ms) {
    if (ms <= MIN_MS) {
      return 0;
    }
    int b = 1 + (int) (Math.log(ms / MIN_MS) / LOG_GROWTH);
    return Math.min(b, BUCKETS - 1);
  }

  /** The geometric middle of a bucket's bounds, in ms. */
  static double middleOf(int bucket) {
    if (bucket == 0) {
      return MIN_MS;
    }
    double low = MIN_MS * Math.pow(GROWTH, bucket - 1);
    return low * Math.sqrt(GROWTH);
  }

  private void add(int bucket, long n) {
    if (n == 0) {
      return;
    }
    total += n;
    int at = Arrays.binarySearch(index, 0, size, bucket);
    if (at >= 0) {
      count[at] += n;
      return;
    }
    int insert = -at - 1;
    if (size == index.length) {
      index = Arrays.copyOf(index, size * 2);
      count = Arrays.copyOf(count, size * 2);
    }
    System.arraycopy(index, insert, index, insert + 1, size - insert);
    System.arraycopy(count, insert, count, insert + 1, size - insert);
    index[insert] = bucket;
    count[insert] = n;
    size++;
  }
}
