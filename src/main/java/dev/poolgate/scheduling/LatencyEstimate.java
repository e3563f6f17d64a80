package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * The peak-EWMA time to first byte of one instance. A slower answer than the estimate replaces it
 * at once (peak); a faster one is averaged in with a weight that grows with the time since the
 * last answer. Read between answers, the estimate decays toward zero with the same time constant,
 * so an instance nobody sends to (because it was slow) becomes cheap again and gets probed by real
 * traffic. Times come in as arguments: the same answers at the same times give the same estimate.
 */
final class LatencyEstimate implements Serializable {
  private static final long serialVersionUID = 1L;

  private double ewmaMs;
  private long stampMs;
  private boolean measured;

  boolean measured() {
    return measured;
  }

  /** Records the time to first byte of one answer that arrived at {@code now}. */
  void observe(double ttfbMs, long now, long decayMs) {
    if (!measured || ttfbMs >= ewmaMs) {
      ewmaMs = ttfbMs;
    } else {
      double keep = decay(now, decayMs);
      ewmaMs = ewmaMs * keep + ttfbMs * (1 - keep);
    }
    stampMs = Math.max(stampMs, now);
    measured = true;
  }

  /** The estimate as of the last answer, undecayed (what a status page shows); -1 before any answer. */
  double lastMs() {
    return measured ? ewmaMs : -1;
  }

  /** The estimate as of {@code now}: decayed toward zero since the last answer. */
  double estimate(long now, long decayMs) {
    return ewmaMs * decay(now, decayMs);
  }

  private double decay(long now, long decayMs) {
    long elapsed = Math.max(0, now - stampMs);
    return Math.exp(-(double) elapsed / Math.max(1, decayMs));
  }
}
