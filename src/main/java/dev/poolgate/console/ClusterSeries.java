package dev.poolgate.console;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The nodes' {@link ConsoleSeries} summed second by second, and the chart lines drawn from the
 * sum: per pool and for all pools together, requests per second by outcome, p50 / p99 of latency,
 * time to first byte and queue wait (from the merged histograms), retries, fallbacks, requests on
 * borrowed slots and tokens per second.
 */
public final class ClusterSeries {
  /** The name of the all-pools line set. */
  public static final String TOTAL = "*";
  /** Line names, in the order {@link #lines} gives them. */
  public static final String[] LINES = {"ok", "rejected", "client_error", "error", "latency_p50", "latency_p99",
      "ttfb_p50", "ttfb_p99", "queue_p50", "queue_p99", "retries", "fallbacks", "borrowed", "tokens"};

  /** A second without requests (only read). */
  private static final PoolSecond NONE = new PoolSecond();

  private final TreeMap<Long, Map<String, PoolSecond>> sum = new TreeMap<>();
  private final TreeSet<String> pools = new TreeSet<>();

  /** Adds one node's seconds. */
  public ClusterSeries add(Map<Long, Map<String, PoolSecond>> node) {
    node.forEach((second, byPool) -> {
      Map<String, PoolSecond> into = sum.computeIfAbsent(second, s -> new HashMap<>());
      byPool.forEach((pool, p) -> into.computeIfAbsent(pool, x -> new PoolSecond()).merge(p));
    });
    return this;
  }

  /**
   * A pool to draw lines for (every configured pool; requests of other pools — refused before a
   * pool was known, or of a pool since removed — count in the total only).
   */
  public ClusterSeries pool(String name) {
    pools.add(name);
    return this;
  }

  /**
   * For each pool and for {@link #TOTAL}: each line of {@link #LINES} as one value per second of
   * {@code [fromSecond, toSecond]}; a percentile of a second without samples is NaN.
   */
  public Map<String, double[][]> lines(long fromSecond, long toSecond) {
    int n = (int) Math.max(0, toSecond - fromSecond + 1);
    Map<String, double[][]> out = new LinkedHashMap<>();
    out.put(TOTAL, new double[LINES.length][n]);
    for (String pool : pools) {
      out.put(pool, new double[LINES.length][n]);
    }
    for (int i = 0; i < n; i++) {
      Map<String, PoolSecond> byPool = sum.getOrDefault(fromSecond + i, Map.of());
      PoolSecond total = new PoolSecond();
      byPool.values().forEach(total::merge);
      for (String pool : pools) {
        PoolSecond p = byPool.get(pool);
        fill(out.get(pool), i, p == null ? NONE : p);
      }
      fill(out.get(TOTAL), i, total);
    }
    return out;
  }

  private static void fill(double[][] lines, int i, PoolSecond p) {
    int l = 0;
    for (PoolSecond.Outcome o : PoolSecond.Outcome.values()) {
      lines[l++][i] = p.outcome(o);
    }
    for (LatencyHistogram h : new LatencyHistogram[] {p.latency(), p.firstByte(), p.queueWait()}) {
      lines[l++][i] = orNaN(h.percentile(0.50));
      lines[l++][i] = orNaN(h.percentile(0.99));
    }
    lines[l++][i] = p.retries();
    lines[l++][i] = p.fallbacks();
    lines[l++][i] = p.borrowed();
    lines[l][i] = p.tokensIn() + p.tokensOut();
  }

  private static double orNaN(double v) {
    return v < 0 ? Double.NaN : v;
  }
}
