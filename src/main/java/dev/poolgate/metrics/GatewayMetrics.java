package dev.poolgate.metrics;

import dev.poolgate.scheduling.Health;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.PoolSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's Prometheus metrics. Labels are bounded: pools, instances, models and client key
 * names come from the config, statuses and priorities are small sets; no request ids, never a
 * key. Gauges of shared state (slots, queue, health) are set from the ledger's snapshot right
 * before each scrape, so in a cluster every node reports the cluster's truth.
 */
public final class GatewayMetrics {
  private static final Duration[] LATENCY_SLO = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};
  private static final Duration[] OVERHEAD_SLO = {
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50)};

  /** The client_key label of requests that came without a key (open gateway, event-bus API). */
  public static final String ANONYMOUS = "anonymous";

  private final PrometheusMeterRegistry registry;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
  /** Meters already registered, by name and label values: the registry's own lookup is slow per request. */
  private final Map<MeterKey, Meter> meters = new ConcurrentHashMap<>();

  private record MeterKey(String name, String a, String b, String c, String d) {}
  /** The meters every finished request records into, by its labels. */
  private final Map<RequestLabels, RequestMeters> requestMeters = new ConcurrentHashMap<>();

  /** The last 15 minutes at one point per second, for the console's charts. */
  private final dev.poolgate.console.ConsoleSeries series = new dev.poolgate.console.ConsoleSeries();

  public GatewayMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * The metrics of a node: on the Prometheus registry Vert.x reports to, if it was started with
   * Micrometer metrics (then one scrape has both), else on a registry of their own.
   */
  public static GatewayMetrics of(io.vertx.core.Vertx vertx) {
    MeterRegistry vertxRegistry = vertx.isMetricsEnabled() ? BackendRegistries.getDefaultNow() : null;
    return vertxRegistry instanceof PrometheusMeterRegistry prometheus ? new GatewayMetrics(prometheus) : standalone();
  }

  /** Vert.x's own metrics (HTTP server and client, event bus, pools) on a Prometheus registry. */
  public static io.vertx.micrometer.MicrometerMetricsOptions vertxMetricsOptions() {
    return new io.vertx.micrometer.MicrometerMetricsOptions()
        .setEnabled(true)
        .setPrometheusOptions(new io.vertx.micrometer.VertxPrometheusOptions().setEnabled(true))
        // Vert.x's per-message and per-request meters cost more than the gateway's own logic and tell
        // nothing poolgate_* does not (requests, upstream latency): only pools and the server remain
        .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.HTTP_CLIENT)
        .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.HTTP_SERVER)
        .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.NET_SERVER);
  }

  /** Metrics on a registry of their own (when Vert.x was started without metrics). */
  public static GatewayMetrics standalone() {
    return new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** This node's last 15 minutes per pool, one point per second (the console sums the cluster's). */
  public dev.poolgate.console.ConsoleSeries series() {
    return series;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  /** Counts a finished request in every series it belongs to. */
  public void record(RequestTrace t) {
    String pool = orNone(t.pool());
    String instance = orNone(t.instance());
    series.record(System.currentTimeMillis(), pool, t.status(), t.attempts() - 1, t.fallback(), t.borrowed(),
        t.tokensIn(), t.tokensOut(), t.totalNanos(), t.firstByteNanos(), t.queueWaitNanos());
    RequestMeters m = requestMeters.computeIfAbsent(
        new RequestLabels(pool, instance, orNone(t.model()), t.status(), t.priority()), this::requestMeters);
    m.requests.increment();
    record(m.duration, t.totalNanos());
    record(m.firstByte, t.firstByteNanos());
    record(m.upstream, t.upstreamNanos());
    record(m.queueWait, t.queueWaitNanos());
    record(m.added, t.addedNanos());
    if (t.attempts() > 1) {
      retries(pool).increment(t.attempts() - 1);
    }
    if (t.fallback()) {
      fallbacks(pool).increment();
    }
    if (t.tokensIn() > 0 || t.tokensOut() > 0) {
      tokens(instance, "in", t.tokensIn());
      tokens(instance, "out", t.tokensOut());
      String clientKey = t.clientKey() == null ? ANONYMOUS : t.clientKey();
      clientTokens(clientKey, "in", t.tokensIn());
      clientTokens(clientKey, "out", t.tokensOut());
    }
    if (t.cacheOutcome() != null) {
      String outcome = t.cacheOutcome();
      counter(new MeterKey("poolgate_cache_requests_total", pool, outcome, null, null),
          () -> Counter.builder("poolgate_cache_requests_total").description("Response cache lookups by outcome")
              .tags("pool", pool, "outcome", outcome)).increment();
    }
  }

  /** Tokens of a client key (its name, never the key; {@value #ANONYMOUS} when the gateway runs open). */
  private void clientTokens(String clientKey, String direction, int n) {
    counter(new MeterKey("poolgate_client_tokens_total", clientKey, direction, null, null),
        () -> Counter.builder("poolgate_client_tokens_total").description("Tokens by client key and direction")
            .tags("client_key", clientKey, "direction", direction)).increment(n);
  }

  private Counter retries(String pool) {
    return counter(new MeterKey("poolgate_retries_total", pool, null, null, null),
        () -> Counter.builder("poolgate_retries_total").description("Upstream calls retried on another instance")
            .tags("pool", pool));
  }

  private Counter fallbacks(String pool) {
    return counter(new MeterKey("poolgate_fallbacks_total", pool, null, null, null),
        () -> Counter.builder("poolgate_fallbacks_total").description("Requests served by a fallback pool")
            .tags("pool", pool));
  }

  /**
   * Sets the gauges of shared state from the ledger's view, and makes sure every pool's retry and
   * fallback counters exist (at 0 until something happens), so a rate over them is 0, not "no data".
   */
  public void ledger(List<PoolSnapshot> pools) {
    for (PoolSnapshot pool : pools) {
      retries(pool.name());
      fallbacks(pool.name());
      for (InstanceSnapshot i : pool.instances()) {
        Tags tags = Tags.of("pool", pool.name(), "instance", i.id());
        gauge("poolgate_slots_in_use", "Requests in flight on the instance (cluster-wide)", tags, i.inFlight());
        gauge("poolgate_slots_capacity", "The instance's concurrency cap", tags, i.retired() ? 0 : i.maxConcurrency());
        gauge("poolgate_instance_health", "0 healthy, 1 degraded, 2 unhealthy", tags, healthValue(i.health()));
      }
      for (int priority = 0; priority <= 10; priority++) {
        gauge("poolgate_queue_depth", "Requests waiting for a slot, by priority (cluster-wide)",
            Tags.of("pool", pool.name(), "priority", Integer.toString(priority)),
            pool.queuedByPriority().getOrDefault(priority, 0));
      }
    }
  }

  /** A gauge read from an object when scraped (cache size, requests active on this node). */
  public <T> void gaugeOf(String name, String description, T obj, ToDoubleFunction<T> value) {
    Gauge.builder(name, obj, value).description(description).register(registry);
  }

  /** A counter read from an object when scraped (a count the object keeps itself). */
  public <T> void counterOf(String name, String description, T obj, ToDoubleFunction<T> value) {
    io.micrometer.core.instrument.FunctionCounter.builder(name, obj, value).description(description).register(registry);
  }

  private void tokens(String instance, String direction, int n) {
    counter(new MeterKey("poolgate_tokens_total", instance, direction, null, null),
        () -> Counter.builder("poolgate_tokens_total").description("Tokens by instance and direction")
            .tags("instance", instance, "direction", direction)).increment(n);
  }

  /** The labels a finished request's meters have. */
  private record RequestLabels(String pool, String instance, String model, int status, int priority) {}

  /** The meters of one combination of labels, found with one lookup per request. */
  private record RequestMeters(Counter requests, Timer duration, Timer firstByte, Timer upstream, Timer queueWait,
                               Timer added) {}

  private RequestMeters requestMeters(RequestLabels l) {
    String status = Integer.toString(l.status());
    return new RequestMeters(
        counter(new MeterKey("poolgate_requests_total", l.pool(), l.instance(), l.model(), status),
            () -> Counter.builder("poolgate_requests_total").description("Requests by pool, instance, model and status")
                .tags("pool", l.pool(), "instance", l.instance(), "model", l.model(), "status", status)),
        timer("poolgate_request_duration_seconds", "Time from request to last byte", LATENCY_SLO,
            Tags.of("pool", l.pool(), "model", l.model())),
        timer("poolgate_time_to_first_token_seconds", "Time from request to the first byte of the answer",
            LATENCY_SLO, Tags.of("pool", l.pool(), "instance", l.instance())),
        timer("poolgate_upstream_latency_seconds",
            "Time for the upstream to answer (headers; whole body if not streamed)", LATENCY_SLO,
            Tags.of("instance", l.instance())),
        timer("poolgate_queue_wait_seconds", "Time waiting for a slot", LATENCY_SLO,
            Tags.of("pool", l.pool(), "priority", Integer.toString(l.priority()))),
        timer("poolgate_added_latency_seconds",
            "Time in the gateway before the first upstream call, queue wait excluded", OVERHEAD_SLO,
            Tags.of("pool", l.pool())));
  }

  private static void record(Timer timer, long nanos) {
    if (nanos >= 0) {
      timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private Timer timer(String name, String description, Duration[] slo, Tags tags) {
    return (Timer) meters.computeIfAbsent(key(name, tags), k ->
        Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(slo).register(registry));
  }

  private Counter counter(MeterKey key, java.util.function.Supplier<Counter.Builder> builder) {
    return (Counter) meters.computeIfAbsent(key, k -> builder.get().register(registry));
  }

  private static MeterKey key(String name, Tags tags) {
    String[] v = new String[4];
    int i = 0;
    for (var tag : tags) {
      if (i < 4) {
        v[i++] = tag.getValue();
      }
    }
    return new MeterKey(name, v[0], v[1], v[2], v[3]);
  }

  private void gauge(String name, String description, Tags tags, long value) {
    String key = name + tags;
    gauges.computeIfAbsent(key, k -> {
      AtomicLong holder = new AtomicLong();
      Gauge.builder(name, holder, AtomicLong::get).description(description).tags(tags).register(registry);
      return holder;
    }).set(value);
  }

  private static long healthValue(Health h) {
    return switch (h) {
      case HEALTHY -> 0;
      case DEGRADED -> 1;
      case UNHEALTHY -> 2;
    };
  }

  private static String orNone(String s) {
    return s == null ? "none" : s;
  }
}
