package dev.poolgate.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a node's seconds cross the event bus (counts and histogram buckets, so the receiver sums
 * them exactly) and how chart lines go to the page (one array per line, null where a percentile
 * has no sample).
 */
final class SeriesJson {
  private SeriesJson() {
  }

  static JsonObject seconds(Map<Long, Map<String, PoolSecond>> seconds) {
    JsonObject out = new JsonObject();
    seconds.forEach((second, byPool) -> {
      JsonObject pools = new JsonObject();
      byPool.forEach((pool, p) -> pools.put(pool, second(p)));
      out.put(Long.toString(second), pools);
    });
    return out;
  }

  static TreeMap<Long, Map<String, PoolSecond>> seconds(JsonObject json) {
    TreeMap<Long, Map<String, PoolSecond>> out = new TreeMap<>();
    for (String second : json.fieldNames()) {
      Map<String, PoolSecond> byPool = new LinkedHashMap<>();
      JsonObject pools = json.getJsonObject(second);
      for (String pool : pools.fieldNames()) {
        byPool.put(pool, second(pools.getJsonObject(pool)));
      }
      out.put(Long.parseLong(second), byPool);
    }
    return out;
  }

  private static JsonObject second(PoolSecond p) {
    JsonArray outcomes = new JsonArray();
    for (long o : p.outcomes) {
      outcomes.add(o);
    }
    return new JsonObject().put("o", outcomes).put("r", p.retries).put("f", p.fallbacks).put("b", p.borrowed)
        .put("ti", p.tokensIn).put("to", p.tokensOut)
        .put("l", pairs(p.latency)).put("t", pairs(p.firstByte)).put("q", pairs(p.queueWait));
  }

  private static PoolSecond second(JsonObject j) {
    PoolSecond p = new PoolSecond();
    JsonArray outcomes = j.getJsonArray("o");
    for (int i = 0; i < p.outcomes.length && i < outcomes.size(); i++) {
      p.outcomes[i] = outcomes.getLong(i);
    }
    p.retries = j.getLong("r", 0L);
    p.fallbacks = j.getLong("f", 0L);
    p.borrowed = j.getLong("b", 0L);
    p.tokensIn = j.getLong("ti", 0L);
    p.tokensOut = j.getLong("to", 0L);
    p.latency.merge(histogram(j.getJsonArray("l")));
    p.firstByte.merge(histogram(j.getJsonArray("t")));
    p.queueWait.merge(histogram(j.getJsonArray("q")));
    return p;
  }

  private static JsonArray pairs(LatencyHistogram h) {
    JsonArray a = new JsonArray();
    for (long v : h.pairs()) {
      a.add(v);
    }
    return a;
  }

  private static LatencyHistogram histogram(JsonArray a) {
    long[] pairs = new long[a == null ? 0 : a.size()];
    for (int i = 0; i < pairs.length; i++) {
      pairs[i] = a.getLong(i);
    }
    return LatencyHistogram.ofPairs(pairs);
  }

  /** {@code {"from": s, "pools": {name: {line: [values]}}}}; ms rounded to 0.1, NaN as null. */
  static JsonObject lines(long fromSecond, Map<String, double[][]> lines) {
    JsonObject pools = new JsonObject();
    lines.forEach((pool, values) -> {
      JsonObject byLine = new JsonObject();
      for (int l = 0; l < ClusterSeries.LINES.length; l++) {
        JsonArray a = new JsonArray();
        for (double v : values[l]) {
          a.add(Double.isNaN(v) ? null : v == Math.rint(v) ? (Object) (long) v : Math.round(v * 10) / 10.0);
        }
        byLine.put(ClusterSeries.LINES[l], a);
      }
      pools.put(pool, byLine);
    });
    return new JsonObject().put("from", fromSecond).put("pools", pools);
  }
}
