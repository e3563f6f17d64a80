package dev.poolgate.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo client saw: each request's outcome, latency and serving instance, summed up as a
 * success rate, latency percentiles and the share each instance served. Thread-safe to record.
 */
public final class DemoStats {
  /** The instance named when the answer did not say (an error before any instance served). */
  public static final String NO_INSTANCE = "-";

  private final List<Long> latenciesNanos = new ArrayList<>();
  private final Map<String, Integer> byInstance = new TreeMap<>();
  private final Map<String, Integer> failures = new TreeMap<>();
  private int ok;
  private int total;

  /** One finished request: its HTTP status (0 when it never got one), time and the x-poolgate-instance header. */
  public synchronized void record(int status, long latencyNanos, String instance) {
    total++;
    if (status == 200) {
      ok++;
      latenciesNanos.add(latencyNanos);
      byInstance.merge(instance == null ? NO_INSTANCE : instance, 1, Integer::sum);
    } else {
      failures.merge(status == 0 ? "no answer" : Integer.toString(status), 1, Integer::sum);
    }
  }

  public synchronized int total() {
    return total;
  }

  public synchronized int succeeded() {
    return ok;
  }

  public synchronized double successRate() {
    return total == 0 ? 0 : (double) ok / total;
  }

  /** Requests served by each instance ({@code cache} for cache hits), successes only. */
  public synchronized Map<String, Integer> byInstance() {
    return new TreeMap<>(byInstance);
  }

  /** Failed requests by status. */
  public synchronized Map<String, Integer> failures() {
    return new TreeMap<>(failures);
  }

  /** The latency (ms) at the percentile, nearest rank, over successful requests; -1 without any. */
  public synchronized double percentileMs(double percentile) {
    if (latenciesNanos.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(latenciesNanos);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1))) / 1_000_000.0;
  }

  /** The summary printed at the end of a run. */
  public synchronized String report(double elapsedSeconds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "requests: %d in %.1f s (%.1f/s)%n", total, elapsedSeconds,
        elapsedSeconds > 0 ? total / elapsedSeconds : 0));
    sb.append(String.format(Locale.ROOT, "success:  %d/%d (%.1f %%)%n", ok, total, 100 * successRate()));
    failures.forEach((status, n) -> sb.append(String.format(Locale.ROOT, "  failed with %s: %d%n", status, n)));
    sb.append(String.format(Locale.ROOT, "latency:  p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms%n",
        percentileMs(50), percentileMs(90), percentileMs(99), percentileMs(100)));
    sb.append("served by instance:\n");
    byInstance.forEach((instance, n) -> sb.append(String.format(Locale.ROOT, "  %-20s %5d  %5.1f %%%n",
        instance, n, 100.0 * n / Math.max(1, ok))));
    return sb.toString();
  }
}
