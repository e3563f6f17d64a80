package dev.poolgate.console;

/**
 * What one pool did in one second on one node (or, summed, on the cluster): requests ended by
 * outcome, retries, fallbacks, requests on borrowed slots, tokens, and histograms of latency,
 * time to first byte and queue wait. Adding two of them adds every count and merges every
 * histogram, so the sum over nodes is exact.
 */
public final class PoolSecond {
  /** Outcomes by the final status: 2xx/3xx, 429 (turned away or timed out waiting), other 4xx, 5xx. */
  public enum Outcome {
    OK, REJECTED, CLIENT_ERROR, ERROR;

    public static Outcome of(int status) {
      if (status == 429) {
        return REJECTED;
      }
      if (status >= 200 && status < 400) {
        return OK;
      }
      return status >= 400 && status < 500 ? CLIENT_ERROR : ERROR;
    }
  }

  final long[] outcomes = new long[Outcome.values().length];
  long retries;
  long fallbacks;
  long borrowed;
  long tokensIn;
  long tokensOut;
  final LatencyHistogram latency = new LatencyHistogram();
  final LatencyHistogram firstByte = new LatencyHistogram();
  final LatencyHistogram queueWait = new LatencyHistogram();

  /** Counts one ended request. Durations are in nanoseconds, negative when not measured. */
  public void add(int status, int retried, boolean fallback, boolean borrowedSlot, int in, int out,
                  long totalNanos, long firstByteNanos, long queueWaitNanos) {
    outcomes[Outcome.of(status).ordinal()]++;
    retries += Math.max(0, retried);
    fallbacks += fallback ? 1 : 0;
    borrowed += borrowedSlot ? 1 : 0;
    tokensIn += Math.max(0, in);
    tokensOut += Math.max(0, out);
    latency.addNanos(totalNanos);
    firstByte.addNanos(firstByteNanos);
    queueWait.addNanos(queueWaitNanos);
  }

  /** Adds the other second's counts and samples to this one. */
  public void merge(PoolSecond other) {
    for (int i = 0; i < outcomes.length; i++) {
      outcomes[i] += other.outcomes[i];
    }
    retries += other.retries;
    fallbacks += other.fallbacks;
    borrowed += other.borrowed;
    tokensIn += other.tokensIn;
    tokensOut += other.tokensOut;
    latency.merge(other.latency);
    firstByte.merge(other.firstByte);
    queueWait.merge(other.queueWait);
  }

  public PoolSecond copy() {
    PoolSecond c = new PoolSecond();
    c.merge(this);
    return c;
  }

  public long requests() {
    long n = 0;
    for (long o : outcomes) {
      n += o;
    }
    return n;
  }

  public long outcome(Outcome o) {
    return outcomes[o.ordinal()];
  }

  public long retries() { return retries; }
  public long fallbacks() { return fallbacks; }
  public long borrowed() { return borrowed; }
  public long tokensIn() { return tokensIn; }
  public long tokensOut() { return tokensOut; }
  public LatencyHistogram latency() { return latency; }
  public LatencyHistogram firstByte() { return firstByte; }
  public LatencyHistogram queueWait() { return queueWait; }
}
