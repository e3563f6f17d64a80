package dev.poolgate.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the JSON lines written by one {@code bench/run.sh} run into the markdown report (tables plus the verdict on
 * each DESIGN.md target). Kept in Java so the script needs no jq or python to do arithmetic.
 *
 * <p>Usage: {@code Report results.jsonl > latest.md}
 */
public final class Report {
  private static final List<String> TARGETS = List.of("direct", "poolgate", "minimal", "nginx");
  private static final Map<String, String> NAMES = Map.of("direct", "direct (no proxy)", "poolgate", "poolgate",
      "minimal", "minimal Vert.x proxy", "nginx", "nginx proxy_pass");
  private static final double MIN_THROUGHPUT_RATIO = 0.80;
  private static final long MAX_ADDED_P99_US = 1000;
  private static final long MAX_TTFB_ADDED_US = 1000;
  private static final long MAX_CLUSTER_ADDED_P99_US = 3000;
  /** Issue 13: CPU per request against the minimal proxy's, added p99 over the proxy's, added TTFB p50. */
  private static final double MIN_CPU_RATIO = 0.6;
  private static final long MAX_P99_OVER_MINIMAL_US = 300;
  private static final long MAX_TTFB_P50_ADDED_US = 300;
  /** The clustered targets: label, nodes, whether the balancer (nginx round robin) is in the path. */
  private static final List<String> CLUSTER = List.of("cluster1", "cluster1-nginx", "cluster2", "cluster3");
  private static final Map<String, String> CLUSTER_NAMES = Map.of("poolgate", "standalone poolgate (no Hazelcast)",
      "cluster1", "1 clustered node, no balancer", "cluster1-nginx", "1 clustered node behind nginx",
      "cluster2", "2 clustered nodes behind nginx", "cluster3", "3 clustered nodes behind nginx");

  private final Map<String, JsonObject> rows = new HashMap<>(); // "kind/label" -> line
  private final StringBuilder out = new StringBuilder();
  private String pending = "pending: not measured in this run";

  /** Counts add up over rounds; every other figure is the median of the rounds. */
  private static final Set<String> SUMMED = Set.of("ok", "errors", "unfinished", "requests", "count");

  public static void main(String[] argv) throws Exception {
    Map<String, List<JsonObject>> rounds = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of(argv[0]))) {
      if (!line.isBlank()) {
        JsonObject j = new JsonObject(line);
        rounds.computeIfAbsent(j.getString("kind") + "/" + j.getString("label", ""), k -> new ArrayList<>()).add(j);
      }
    }
    Report r = new Report();
    rounds.forEach((key, list) -> r.rows.put(key, combine(list)));
    System.out.print(r.render());
  }

  /**
   * Several rounds of the same measurement (BENCH_ROUNDS) become one row: medians resist the bursts of other work
   * that a shared two-core machine sees better than one long run or a mean would.
   */
  static JsonObject combine(List<JsonObject> list) {
    JsonObject first = list.get(0).copy();
    if (list.size() == 1) {
      return first;
    }
    for (String key : first.fieldNames()) {
      Object v = first.getValue(key);
      if (v instanceof Number) {
        first.put(key, combine(key, list.stream().map(j -> j.getValue(key)).toList()));
      } else if (v instanceof JsonObject o && o.stream().allMatch(e -> e.getValue() instanceof Number)) {
        JsonObject merged = new JsonObject();
        for (String sub : o.fieldNames()) {
          merged.put(sub, combine(sub, list.stream().map(j -> j.getJsonObject(key).getValue(sub)).toList()));
        }
        first.put(key, merged);
      }
    }
    return first.put("rounds", list.size());
  }

  private static Number combine(String key, List<Object> values) {
    double[] d = values.stream().mapToDouble(v -> v == null ? 0 : ((Number) v).doubleValue()).sorted().toArray();
    if (SUMMED.contains(key)) {
      return Math.round(java.util.Arrays.stream(d).sum());
    }
    double median = d.length % 2 == 1 ? d[d.length / 2] : (d[d.length / 2 - 1] + d[d.length / 2]) / 2;
    return values.get(0) instanceof Double ? median : Math.round(median);
  }

  private JsonObject get(String kind, String label) {
    return rows.get(kind + "/" + label);
  }

  private String render() {
    JsonObject meta = rows.getOrDefault("meta/", new JsonObject());
    JsonObject skipped = get("skipped", "poolgate");
    if (skipped != null) {
      pending = "pending: " + skipped.getString("reason");
    }
    line("# poolgate benchmark results");
    line("");
    line("Run %s on %s (%s cores shared by the load generator and every server), %s, %s; commit %s.",
        meta.getString("date", "?"), meta.getString("cpu", "?"), meta.getValue("cores", "?"),
        meta.getString("java", "?"), meta.getString("nginx", "?"), meta.getString("commit", "?"));
    line("Knobs: %s round(s), duration %ss per phase, warm-up %ss, rate %s req/s, %s connections, stream rate %s "
        + "req/s, %s soak streams%s. With several rounds every figure is the median of the rounds and error counts "
        + "are summed.", meta.getValue("rounds", 1), meta.getValue("duration", "?"), meta.getValue("warmup", "?"),
        meta.getValue("rate", "?"), meta.getValue("connections", "?"), meta.getValue("stream_rate", "?"),
        meta.getValue("streams", "?"),
        "1".equals(meta.getString("quick")) ? " (QUICK=1: smoke test, not a result)" : "");
    line("Gateway access log (logger poolgate.access, standalone and clustered alike): %s.",
        meta.getString("access_log", "INFO"));
    line("Load average just before the run: %s (other work sharing the two cores; near 0 on an idle machine); at "
        + "its end: %s (includes the bench's own processes).",
        meta.getString("load_before", "?"), rows.getOrDefault("end/", new JsonObject()).getString("load_after", "?"));
    line("");
    throughput();
    latency();
    ttfb();
    soak();
    verdicts();
    cluster();
    return out.toString();
  }

  private void throughput() {
    line("## Max throughput, closed loop, non-streaming");
    line("");
    line("| target | wrk req/s | LoadGen req/s | wrk vs minimal proxy | server CPU us/req | errors (wrk / LoadGen) |");
    line("|---|---:|---:|---:|---:|---:|");
    Double minimal = num(get("wrk", "minimal"), j -> j.getDouble("rps"));
    for (String t : TARGETS) {
      JsonObject w = get("wrk", t);
      JsonObject l = get("throughput", t);
      if (w == null && l == null) {
        line("| %s | %s | | | | |", NAMES.get(t), missing(t));
        continue;
      }
      Double rps = num(w, j -> j.getDouble("rps"));
      String ratio = rps != null && minimal != null && !t.equals("direct") ? pct(rps / minimal) : "";
      line("| %s | %s | %s | %s | %s | %s / %s |", NAMES.get(t), fmt(rps), fmt(num(l, j -> j.getDouble("rps"))),
          ratio, val(w, "server_cpu_us_per_req"), val(w, "errors"), val(l, "errors"));
    }
    line("");
  }

  private void latency() {
    JsonObject d = get("latency", "direct");
    line("## Latency at a fixed rate of %s req/s, open loop, corrected for coordinated omission (microseconds)",
        d == null ? "?" : d.getValue("rate_target"));
    line("");
    line("| target | achieved req/s | p50 | p90 | p99 | p99.9 | max | added p50 | added p99 | errors |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String t : TARGETS) {
      JsonObject j = get("latency", t);
      if (j == null) {
        line("| %s | %s | | | | | | | | |", NAMES.get(t), missing(t));
        continue;
      }
      JsonObject h = j.getJsonObject("latency_us");
      line("| %s | %s | %d | %d | %d | %d | %d | %s | %s | %s |", NAMES.get(t), fmt(j.getDouble("rps")),
          h.getLong("p50"), h.getLong("p90"), h.getLong("p99"), h.getLong("p999"), h.getLong("max"),
          added(j, d, "latency_us", "p50"), added(j, d, "latency_us", "p99"), j.getValue("errors"));
    }
    if (d != null) {
      JsonObject lag = d.getJsonObject("sched_lag_us");
      line("");
      line("Load generator's own scheduling lag in the direct run (already inside every figure above): "
          + "p50 %d us, p99 %d us.", lag.getLong("p50"), lag.getLong("p99"));
    }
    line("");
  }

  private void ttfb() {
    JsonObject d = get("ttfb", "direct");
    line("## Streaming time to first byte at %s streams/s, open loop (microseconds)",
        d == null ? "?" : d.getValue("rate_target"));
    line("");
    line("| target | TTFB p50 | TTFB p99 | TTFB p99.9 | added p50 | added p99 | full stream p50 | errors |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (String t : List.of("direct", "minimal", "poolgate")) {
      if (t.equals("minimal") && get("ttfb", t) == null) {
        continue; // the minimal proxy is measured here only when it is among the targets
      }
      JsonObject j = get("ttfb", t);
      if (j == null) {
        line("| %s | %s | | | | | | |", NAMES.get(t), missing(t));
        continue;
      }
      JsonObject h = j.getJsonObject("ttfb_us");
      line("| %s | %d | %d | %d | %s | %s | %d | %s |", NAMES.get(t), h.getLong("p50"), h.getLong("p99"),
          h.getLong("p999"), added(j, d, "ttfb_us", "p50"), added(j, d, "ttfb_us", "p99"),
          j.getJsonObject("latency_us").getLong("p50"), j.getValue("errors"));
    }
    line("");
  }

  private void soak() {
    line("## Concurrent open streams (soak)");
    line("");
    line("| target | streams | got first byte | completed | errors | peak open | RSS idle MiB "
        + "| RSS streams open MiB | heap used MiB | heap live after GC MiB |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String t : List.of("minimal", "poolgate")) {
      JsonObject s = get("soak", t);
      JsonObject m = get("mem", t);
      if (s == null) {
        line("| %s | %s | | | | | | | | |", NAMES.get(t), missing(t));
        continue;
      }
      line("| %s | %d | %s | %d | %s | %s | %s | %s | %s | %s |", NAMES.get(t),
          s.getLong("ok") + s.getLong("errors"), s.getValue("first_bytes", "-"), s.getLong("ok"), s.getValue("errors"),
          s.getValue("peak_open"), mib(m, "rss_idle_kb"), mib(m, "rss_open_kb"), mib(m, "heap_used_open_kb"),
          mib(m, "heap_live_open_kb"));
    }
    line("");
    for (String t : List.of("minimal", "poolgate")) {
      JsonObject m = get("mem", t);
      if (m != null) {
        line("Memory of %s sampled at: %s.", NAMES.get(t), m.getString("at_sample"));
      }
    }
    line("");
    JsonObject meta = rows.getOrDefault("meta/", new JsonObject());
    String fdLimit = meta.getString("fd_limit", "unlimited");
    long streams = meta.getLong("streams", 0L);
    if (fdLimit.matches("\\d+") && Long.parseLong(fdLimit) < 2 * streams + 500) {
      line("Open-file limit on this machine: %s per process (hard). A proxy holding %d streams needs about %d "
          + "descriptors (one socket to the client and one to the upstream per stream, plus its own files), so "
          + "failures at this count are the machine's limit, not the proxy's.", fdLimit, streams, 2 * streams + 500);
      line("");
    }
  }

  private void verdicts() {
    verdictTable("Targets (DESIGN.md \"Performance targets\", standalone)");
    Double gw = num(get("wrk", "poolgate"), j -> j.getDouble("rps"));
    Double min = num(get("wrk", "minimal"), j -> j.getDouble("rps"));
    verdict("throughput >= 80 % of the minimal proxy (wrk)", gw == null || min == null ? null
        : pct(gw / min) + " (" + fmt(gw) + " vs " + fmt(min) + " req/s)", gw != null && min != null
        && gw / min >= MIN_THROUGHPUT_RATIO);
    Long p99 = addedUs(get("latency", "poolgate"), get("latency", "direct"), "latency_us", "p99");
    verdict("p99 added latency <= 1 ms", p99 == null ? null : p99 + " us", p99 != null && p99 <= MAX_ADDED_P99_US);
    Long t99 = addedUs(get("ttfb", "poolgate"), get("ttfb", "direct"), "ttfb_us", "p99");
    Long t50 = addedUs(get("ttfb", "poolgate"), get("ttfb", "direct"), "ttfb_us", "p50");
    verdict("TTFB overhead <= 1 ms (at p50 and at p99)", t99 == null ? null
        : "p50 " + t50 + " us, p99 " + t99 + " us", t99 != null && Math.max(t50, t99) <= MAX_TTFB_ADDED_US);
    JsonObject s = get("soak", "poolgate");
    long asked = s == null ? 0 : s.getLong("ok") + s.getLong("errors");
    String soak = s == null ? null : s.getLong("ok") + " of " + asked + " completed, " + s.getValue("errors")
        + " errors, peak " + s.getValue("peak_open") + " open";
    if (s != null && asked < 10_000) {
      line("| 10,000 concurrent streams, no errors | %s | not tested: only %d streams in this run |", soak, asked);
    } else {
      verdict("10,000 concurrent streams, no errors", soak, s != null && s.getLong("errors") == 0);
    }
    line("");
    issue13(p99, t50);
  }

  /** A section of verdicts: its heading and the head of its table. */
  private void verdictTable(String title) {
    line("## " + title);
    line("");
    line("| target | measured | verdict |");
    line("|---|---|---|");
  }

  /** The hot-path targets of issue 13: against the minimal proxy of the same run, and absolute TTFB. */
  private void issue13(Long p99, Long t50) {
    verdictTable("Targets of issue 13 (hot path), standalone");
    Double gwCpu = num(get("wrk", "poolgate"), j -> j.getDouble("server_cpu_us_per_req"));
    Double minCpu = num(get("wrk", "minimal"), j -> j.getDouble("server_cpu_us_per_req"));
    verdict("throughput per proxy core >= 0.6x the minimal proxy (CPU per request)",
        gwCpu == null || minCpu == null ? null : String.format("%.2fx (%.1f vs %.1f us per request)",
            minCpu / gwCpu, gwCpu, minCpu), gwCpu != null && minCpu != null && minCpu / gwCpu >= MIN_CPU_RATIO);
    Long minP99 = addedUs(get("latency", "minimal"), get("latency", "direct"), "latency_us", "p99");
    verdict("added p99 <= the minimal proxy's + 0.3 ms", p99 == null || minP99 == null ? null
        : p99 + " us vs the minimal proxy's " + minP99 + " us", p99 != null && minP99 != null && p99 - minP99 <= MAX_P99_OVER_MINIMAL_US);
    Long minT50 = addedUs(get("ttfb", "minimal"), get("ttfb", "direct"), "ttfb_us", "p50");
    verdict("added streaming TTFB p50 <= 0.3 ms", t50 == null ? null : t50 + " us (the minimal proxy's: "
        + (minT50 == null ? "not measured" : minT50 + " us") + ")", t50 != null && t50 <= MAX_TTFB_P50_ADDED_US);
    line("");
  }

  /** Throughput, latency and the slot ledger's cost per request of 1, 2 and 3 clustered nodes. */
  private void cluster() {
    if (CLUSTER.stream().noneMatch(t -> get("wrk", t) != null || get("latency", t) != null)) {
      return;
    }
    List<String> labels = new ArrayList<>(List.of("poolgate"));
    labels.addAll(CLUSTER);
    line("## Cluster: 1, 2 and 3 nodes (`--cluster`, one Hazelcast slot ledger), standalone alongside");
    line("");
    line("Each clustered target runs only its own nodes (a cluster of 1, 2 or 3 members). cluster2 and cluster3 are "
        + "balanced by nginx, round robin over the nodes' ports with keep-alive; 1 node is measured with and without "
        + "that balancer so its hop can be subtracted (in that order, on the same JVM: the second is the warmer). Nodes CPU is the CPU time of the gateway JVMs only; the "
        + "balancer's is given apart.");
    line("");
    line("| target | wrk req/s | LoadGen req/s | wrk vs standalone | nodes CPU us/req | balancer CPU us/req "
        + "| errors (wrk / LoadGen) |");
    line("|---|---:|---:|---:|---:|---:|---:|");
    Double standalone = num(get("wrk", "poolgate"), j -> j.getDouble("rps"));
    for (String t : labels) {
      JsonObject w = get("wrk", t);
      JsonObject l = get("throughput", t);
      if (w == null && l == null) {
        line("| %s | %s | | | | | |", CLUSTER_NAMES.get(t), missing(t));
        continue;
      }
      Double rps = num(w, j -> j.getDouble("rps"));
      String ratio = rps != null && standalone != null && !t.equals("poolgate") ? pct(rps / standalone) : "";
      line("| %s | %s | %s | %s | %s | %s | %s / %s |", CLUSTER_NAMES.get(t), fmt(rps),
          fmt(num(l, j -> j.getDouble("rps"))), ratio, val(w, "server_cpu_us_per_req"),
          w == null || !w.containsKey("lb_cpu_us_per_req") ? "" : w.getValue("lb_cpu_us_per_req"),
          val(w, "errors"), val(l, "errors"));
    }
    line("");
    JsonObject d = get("latency", "direct");
    line("Latency at %s req/s, open loop, corrected for coordinated omission (microseconds; added = minus direct):",
        d == null ? "?" : d.getValue("rate_target"));
    line("");
    line("| target | achieved req/s | p50 | p90 | p99 | p99.9 | max | added p50 | added p99 | errors |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    List<String> withDirect = new ArrayList<>(List.of("direct"));
    withDirect.addAll(labels);
    for (String t : withDirect) {
      JsonObject j = get("latency", t);
      String name = t.equals("direct") ? NAMES.get(t) : CLUSTER_NAMES.get(t);
      if (j == null) {
        line("| %s | %s | | | | | | | | |", name, missing(t));
        continue;
      }
      JsonObject h = j.getJsonObject("latency_us");
      line("| %s | %s | %d | %d | %d | %d | %d | %s | %s | %s |", name, fmt(j.getDouble("rps")),
          h.getLong("p50"), h.getLong("p90"), h.getLong("p99"), h.getLong("p999"), h.getLong("max"),
          added(j, d, "latency_us", "p50"), added(j, d, "latency_us", "p99"), j.getValue("errors"));
    }
    line("");
    line("| cost per request | CPU us/req | p50 us | p99 us |");
    line("|---|---:|---:|---:|");
    line("| slot ledger: 1 clustered node minus standalone | %s | %s | %s |",
        diff(get("wrk", "cluster1"), get("wrk", "poolgate"), "server_cpu_us_per_req"),
        diffP(get("latency", "cluster1"), get("latency", "poolgate"), "p50"),
        diffP(get("latency", "cluster1"), get("latency", "poolgate"), "p99"));
    JsonObject lbWrk = get("wrk", "cluster1-nginx");
    line("| nginx hop: 1 node behind nginx minus 1 node | %s (balancer's own: %s) | %s | %s |",
        diff(lbWrk, get("wrk", "cluster1"), "server_cpu_us_per_req"),
        lbWrk == null ? "-" : lbWrk.getValue("lb_cpu_us_per_req", "-"),
        diffP(get("latency", "cluster1-nginx"), get("latency", "cluster1"), "p50"),
        diffP(get("latency", "cluster1-nginx"), get("latency", "cluster1"), "p99"));
    line("");
    line("| target | measured | verdict |");
    line("|---|---|---|");
    Long p99 = addedUs(get("latency", "cluster3"), d, "latency_us", "p99");
    Long hop = addedUs(get("latency", "cluster1-nginx"), get("latency", "cluster1"), "latency_us", "p99");
    verdict("clustered (3 nodes) p99 added latency <= 3 ms", p99 == null ? null
        : p99 + " us through nginx" + (hop == null ? "" : "; " + (p99 - hop) + " us after subtracting the nginx "
        + "hop (p99 of 1 node behind nginx minus 1 node: " + hop + " us)"), p99 != null && p99 <= MAX_CLUSTER_ADDED_P99_US);
    line("");
  }

  private static String diff(JsonObject a, JsonObject b, String key) {
    if (a == null || b == null || a.getValue(key) == null || b.getValue(key) == null) {
      return "-";
    }
    double v = ((Number) a.getValue(key)).doubleValue() - ((Number) b.getValue(key)).doubleValue();
    return String.format("%+.1f", v);
  }

  private static String diffP(JsonObject a, JsonObject b, String p) {
    Long v = addedUs(a, b, "latency_us", p);
    return v == null ? "-" : (v >= 0 ? "+" : "") + v;
  }

  private void verdict(String what, String measured, boolean met) {
    line("| %s | %s | %s |", what, measured == null ? pending : measured,
        measured == null ? "pending" : met ? "**met**" : "**not met**");
  }

  private String missing(String target) {
    return target.equals("poolgate") || target.startsWith("cluster") ? pending : "not measured";
  }

  private static Long addedUs(JsonObject j, JsonObject direct, String hist, String p) {
    return j == null || direct == null ? null
        : j.getJsonObject(hist).getLong(p) - direct.getJsonObject(hist).getLong(p);
  }

  private static String added(JsonObject j, JsonObject direct, String hist, String p) {
    Long v = j == direct ? null : addedUs(j, direct, hist, p);
    return v == null ? "" : (v >= 0 ? "+" : "") + v;
  }

  private static Double num(JsonObject j, Function<JsonObject, Double> f) {
    return j == null ? null : f.apply(j);
  }

  private static Object val(JsonObject j, String key) {
    return j == null ? "-" : j.getValue(key);
  }

  private static String fmt(Double d) {
    return d == null ? "-" : String.format("%,.0f", d);
  }

  private static String pct(double ratio) {
    return String.format("%.0f %%", ratio * 100);
  }

  private static String mib(JsonObject m, String key) {
    return m == null || m.getValue(key) == null ? "-" : String.format("%.0f", m.getLong(key) / 1024.0);
  }

  private void line(String fmt, Object... args) {
    out.append(args.length == 0 ? fmt : String.format(fmt, args)).append('\n');
  }
}
