package dev.poolgate.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * HTTP load generator for OpenAI chat completions.
 *
 * <ul>
 *   <li>{@code --mode open}: a fixed rate for a fixed time. Each request has an intended start time on a fixed
 *       schedule and its latency is measured from that time, not from when it was actually sent, so a stalled target
 *       cannot hide its stall by slowing the generator down (coordinated omission). A pacer thread keeps the
 *       schedule with sub-millisecond precision; Vert.x timers only tick in whole milliseconds.
 *   <li>{@code --mode closed}: {@code --connections} request chains back to back for a fixed time: max throughput.
 * </ul>
 * Every run is bounded by {@code --duration}, {@code --max-requests} and a hard stop at duration + timeout. Prints
 * human text plus one {@code RESULT {json}} line, and appends the JSON to {@code --out} if given; {@code --trace FILE}
 * writes every measured request's start and latency (bench/tail.py reads it).
 */
public final class LoadGen {

  /**
   * @param ports the target's port, or several (a comma-separated {@code --url} list with one host and path):
   *              requests then go round-robin over them, as a balancer would spread them over cluster nodes
   */
  record Config(String kind, String label, String host, int port, String path, String mode, double rate,
      int connections, double durationS, double warmupS, long maxRequests, boolean stream, String model,
      String apiKey, int threads, long timeoutMs, String out, boolean progress, List<Integer> ports, String trace) {

    static Config parse(Args a) {
      String[] urls = a.str("url", "http://127.0.0.1:18080/v1/chat/completions").split(",");
      URI url = URI.create(urls[0]);
      List<Integer> ports = new java.util.ArrayList<>();
      for (String u : urls) {
        URI each = URI.create(u.trim());
        if (!"127.0.0.1".equals(each.getHost()) && !"localhost".equals(each.getHost())) {
          throw new IllegalArgumentException("the bench only targets loopback, not " + each.getHost());
        }
        if (!each.getHost().equals(url.getHost()) || !each.getPath().equals(url.getPath())) {
          throw new IllegalArgumentException("several --url must differ only in their port: " + u);
        }
        ports.add(each.getPort());
      }
      String mode = a.str("mode", "open");
      double duration = a.dbl("duration", 10);
      double rate = a.dbl("rate", 1000);
      long defaultMax = mode.equals("open") ? (long) Math.ceil(rate * duration) : 50_000_000L;
      return new Config(a.str("kind", mode), a.str("label", url.getPort() + ""), url.getHost(), url.getPort(),
          url.getPath(), mode, rate, a.integer("connections", 64), duration, a.dbl("warmup", 0),
          a.lng("max-requests", defaultMax), a.bool("stream", false), a.str("model", "gpt-4o-mini"),
          a.str("api-key", "sk-bench"),
          a.integer("threads", 2), a.lng("timeout-ms", 10_000), a.str("out", null), a.bool("progress", false),
          List.copyOf(ports), a.str("trace", null));
    }

    String requestBody() {
      JsonObject body = new JsonObject().put("model", model)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Say hello.")))
          .put("max_tokens", 16);
      if (stream) {
        body.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
      }
      return body.encode();
    }
  }

  public static void main(String[] argv) throws Exception {
    run(Config.parse(new Args(argv)));
    System.exit(0); // errors are data, reported in the result; only a crash is a non-zero exit
  }

  static JsonObject run(Config cfg) throws Exception {
    int n = cfg.threads();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(n));
    Driver.Live live = new Driver.Live();
    List<Driver> drivers = new CopyOnWriteArrayList<>();
    // One deployment of n instances: that is what makes Vert.x give each instance its own event loop (separate
    // single-instance deployments made from this thread all landed on the same one).
    vertx.deployVerticle(() -> {
      Driver d = new Driver(cfg, share(cfg.connections(), n, drivers.size()), live);
      drivers.add(d);
      return d;
    }, new DeploymentOptions().setInstances(n)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    boolean closed = cfg.mode().equals("closed");
    if (cfg.warmupS() > 0) {
      // The warm-up is the measured load for its own time: an open loop at the measured rate, so the target's
      // JIT, pools and heap reach the state the measurement then sees. (Closed loop under the measurement's
      // request bound, it ended after rate x duration requests: 1.5 s instead of the 40 s asked for.)
      System.out.printf("[%s] warm-up %.0fs %s%n", cfg.label(), cfg.warmupS(),
          closed ? "closed loop, " + cfg.connections() + " connections" : "open loop at " + cfg.rate() + "/s");
      phase(cfg, drivers, closed, cfg.warmupS(), cfg.rate(),
          closed ? cfg.maxRequests() : (long) Math.ceil(cfg.rate() * cfg.warmupS()));
    }
    // a script reading the target's CPU around the measured part waits for this line
    System.out.printf("measuring %s%n", cfg.label());
    System.out.flush();
    Progress progress = cfg.progress() ? Progress.start(live, cfg.maxRequests()) : null;
    Stats s = phase(cfg, drivers, closed, cfg.durationS(), cfg.rate(), cfg.maxRequests());
    JsonObject result = report(cfg, s, closed);
    if (cfg.trace() != null) {
      writeTrace(Path.of(cfg.trace()), s.trace);
    }
    if (progress != null) {
      result.put("peak_open", progress.finish()).put("first_bytes", live.firstBytes.get());
    }
    print(cfg, result);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return result;
  }

  /**
   * {@code --trace FILE}: one line per request answered in the measured window, "intended-start-ns latency-ns", in
   * the order answered ({@code System.nanoTime}, the monotonic clock the target's {@code -Xlog:...:tn} and
   * {@code perf -k CLOCK_MONOTONIC} use too); bench/tail.py sorts them and lines slow requests up with pauses.
   */
  private static void writeTrace(Path file, Stats.TraceLog trace) throws java.io.IOException {
    StringBuilder b = new StringBuilder(trace.size * 24);
    for (int i = 0; i < trace.size; i++) {
      b.append(trace.startNs[i]).append(' ').append(trace.latencyNs[i]).append('\n');
    }
    Files.writeString(file, b);
  }

  private static int share(long total, int parts, int i) {
    return (int) (total / parts + (i < total % parts ? 1 : 0));
  }

  private static Stats phase(Config cfg, List<Driver> drivers, boolean closed, double durationS, double rate,
      long maxRequests) throws Exception {
    int n = drivers.size();
    long durationMs = Math.round(durationS * 1000);
    long hardStopMs = durationMs + cfg.timeoutMs() + 2000;
    List<Future<Stats>> parts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      parts.add(drivers.get(i).begin(closed, closed ? share(cfg.connections(), n, i) : 0, durationMs, hardStopMs,
          share(maxRequests, n, i)));
    }
    if (!closed) {
      pace(drivers, rate, Math.min(maxRequests, (long) Math.ceil(rate * durationS)));
    }
    Stats merged = new Stats(cfg.trace() != null);
    Future.all(parts).toCompletionStage().toCompletableFuture().get(hardStopMs + 10_000, TimeUnit.MILLISECONDS);
    parts.forEach(f -> merged.merge(f.result()));
    return merged;
  }

  /** The open-loop schedule, on this (non event-loop) thread: request k is due at start + k / rate. */
  private static void pace(List<Driver> drivers, double rate, long total) {
    double intervalNs = 1e9 / rate;
    long start = System.nanoTime() + 1_000_000; // let every driver begin its phase first
    for (long k = 0; k < total; k++) {
      long intended = start + Math.round(k * intervalNs);
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      drivers.get((int) (k % drivers.size())).fireAt(intended);
    }
    drivers.forEach(Driver::sendingDone);
  }

  private static JsonObject report(Config cfg, Stats s, boolean closed) {
    double elapsedS = (s.endNs - s.startNs) / 1e9;
    double rps = closed ? s.okInWindow / cfg.durationS() : s.okCount / Math.max(elapsedS, 1e-9);
    JsonObject r = new JsonObject().put("kind", cfg.kind()).put("label", cfg.label()).put("mode", cfg.mode())
        .put("stream", cfg.stream())
        .put("url", "http://" + cfg.host() + ":" + cfg.ports() + cfg.path()).put("threads", cfg.threads())
        .put("connections", cfg.connections()).put("duration_s", cfg.durationS())
        .put("ok", s.okCount).put("errors", s.errors + s.unfinished).put("unfinished", s.unfinished)
        .put("error_kinds", new JsonObject(new LinkedHashMap<>(s.errorKinds)))
        .put("elapsed_s", Math.round(elapsedS * 1000) / 1000.0).put("rps", Math.round(rps * 10) / 10.0)
        .put("latency_us", Stats.percentiles(s.latency));
    if (!closed) {
      r.put("rate_target", cfg.rate()).put("sched_lag_us", Stats.percentiles(s.schedLag));
    }
    if (cfg.stream()) {
      r.put("ttfb_us", Stats.percentiles(s.ttfb));
    }
    return r;
  }

  private static void print(Config cfg, JsonObject r) throws Exception {
    JsonObject lat = r.getJsonObject("latency_us");
    System.out.printf("[%s] %s%s: %d ok, %d errors %s, %.1f req/s%s%n", cfg.label(), cfg.mode(),
        cfg.stream() ? " stream" : "", r.getLong("ok"), r.getLong("errors"), r.getJsonObject("error_kinds").encode(),
        r.getDouble("rps"), cfg.mode().equals("open") ? " (target " + cfg.rate() + ")" : "");
    System.out.printf("[%s]   latency us: p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n", cfg.label(),
        lat.getLong("p50"), lat.getLong("p90"), lat.getLong("p99"), lat.getLong("p999"), lat.getLong("max"));
    if (r.containsKey("ttfb_us")) {
      JsonObject t = r.getJsonObject("ttfb_us");
      System.out.printf("[%s]   ttfb us:    p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n", cfg.label(),
          t.getLong("p50"), t.getLong("p90"), t.getLong("p99"), t.getLong("p999"), t.getLong("max"));
    }
    System.out.println("RESULT " + r.encode());
    if (cfg.out() != null) {
      Files.writeString(Path.of(cfg.out()), r.encode() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  /** Once a second prints how many requests are open; says ALL_OPEN once every request has its first byte. */
  static final class Progress extends Thread {
    private final Driver.Live live;
    private final long expected;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private long peakOpen;

    private Progress(Driver.Live live, long expected) {
      super("progress");
      setDaemon(true);
      this.live = live;
      this.expected = expected;
    }

    static Progress start(Driver.Live live, long expected) {
      Progress p = new Progress(live, expected);
      p.start();
      return p;
    }

    @Override
    public void run() {
      boolean allOpenSaid = false;
      for (long tick = 1; running.get(); tick++) {
        LockSupport.parkNanos(100_000_000L);
        long ended = live.ended.get();
        long open = live.started.get() - ended;
        synchronized (this) {
          peakOpen = Math.max(peakOpen, open);
        }
        if (!allOpenSaid && live.firstBytes.get() >= expected) {
          allOpenSaid = true;
          System.out.printf("ALL_OPEN open=%d ended=%d%n", open, ended);
        }
        if (tick % 10 == 0) {
          System.out.printf("progress t=%ds started=%d first_byte=%d ended=%d open=%d%n", tick / 10,
              live.started.get(), live.firstBytes.get(), ended, open);
        }
      }
    }

    synchronized long finish() {
      running.set(false);
      return peakOpen;
    }
  }
}
