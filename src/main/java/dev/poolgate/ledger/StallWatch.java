package dev.poolgate.ledger;

/**
 * Notices that this process did not run for a while — SIGSTOP, a long GC pause, a suspended VM —
 * as an overlong gap between two ticks of a periodic timer. Plain arithmetic: the caller passes
 * monotonic time.
 */
public final class StallWatch {
  private final long thresholdMs;
  private long lastTickMs;

  /** @param thresholdMs a gap at least this long is a stall */
  public StallWatch(long thresholdMs, long nowMs) {
    this.thresholdMs = thresholdMs;
    this.lastTickMs = nowMs;
  }

  /** Records a tick; returns how long the process stood still before it, or 0 for a normal gap. */
  public long tick(long nowMs) {
    long gap = nowMs - lastTickMs;
    lastTickMs = nowMs;
    return gap >= thresholdMs ? gap : 0;
  }

  public long thresholdMs() {
    return thresholdMs;
  }
}
