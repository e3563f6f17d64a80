package dev.poolgate.http;

import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.scheduling.Health;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The status pages built from a ledger snapshot (cluster-wide in cluster mode):
 * {@code /health/detailed} (per pool and instance) and {@code /v1/providers/status} (per provider
 * type and instance). Keys appear only masked, and error texts have every configured key masked,
 * since an upstream may quote the key it was called with.
 */
public final class StatusReport {
  /** A report and the HTTP status it goes with. */
  public record Page(int status, JsonObject body) {
  }

  private final GatewayConfig config;
  private final List<PoolSnapshot> pools;

  public StatusReport(GatewayConfig config, List<PoolSnapshot> pools) {
    this.config = config;
    this.pools = pools;
  }

  /**
   * Per instance: health, in flight against its cap, failures, the last error and the latency
   * estimate; per pool: the queue. 200 while every pool has an instance that is not unhealthy,
   * else 503 (a load balancer may act on it).
   */
  public Page detailedHealth(boolean ready) {
    JsonArray out = new JsonArray();
    boolean allServing = true;
    for (PoolSnapshot pool : pools) {
      JsonArray instances = new JsonArray();
      boolean serving = false;
      for (InstanceSnapshot i : pool.instances()) {
        InstanceConfig inst = config.instances().get(i.id());
        serving |= i.health() != Health.UNHEALTHY && !i.retired();
        JsonObject entry = new JsonObject().put("id", i.id())
            .put("provider", inst == null ? null : inst.provider())
            .put("health", name(i.health()))
            .put("in_flight", i.inFlight()).put("max_concurrency", i.maxConcurrency()).put("weight", i.weight())
            .put("consecutive_failures", i.consecutiveFailures())
            .put("last_error", KeyMask.scrub(i.lastError(), config))
            .put("latency_ms", latency(i))
            .put("retired", i.retired());
        if (i.maxRps() > 0) {
          entry.put("max_rps", i.maxRps()).put("requests_last_second", i.requestsLastSecond());
        }
        instances.add(entry);
      }
      allServing &= serving;
      out.add(new JsonObject().put("name", pool.name()).put("in_flight", pool.inFlight())
          .put("capacity", pool.capacity()).put("queued", pool.queued())
          .put("queued_by_priority", byPriority(pool)).put("instances", instances));
    }
    JsonObject body = new JsonObject().put("status", allServing ? "ok" : "degraded").put("ready", ready)
        .put("pools", out);
    return new Page(allServing ? 200 : 503, body);
  }

  /**
   * Per provider type (openai, azure, gemini, ...): a status — healthy when all its instances are,
   * unhealthy when none can serve, else degraded — the counts by health, load against caps, and
   * its instances. Retired instances (no longer configured) are left out. Always 200: this is a
   * report, {@code /health/detailed} is the check.
   */
  public Page providers() {
    Map<String, ProviderTotals> byProvider = new LinkedHashMap<>();
    for (PoolSnapshot pool : pools) {
      for (InstanceSnapshot i : pool.instances()) {
        InstanceConfig inst = config.instances().get(i.id());
        if (i.retired() || inst == null) {
          continue;
        }
        byProvider.computeIfAbsent(inst.provider(), ProviderTotals::new).add(pool.name(), inst, i, config);
      }
    }
    JsonArray providers = new JsonArray();
    int healthyProviders = 0;
    int downProviders = 0;
    for (ProviderTotals t : byProvider.values()) {
      String status = t.status();
      healthyProviders += status.equals("healthy") ? 1 : 0;
      downProviders += status.equals("unhealthy") ? 1 : 0;
      providers.add(t.json());
    }
    String overall = healthyProviders == byProvider.size() ? "ok"
        : downProviders == byProvider.size() ? "down" : "degraded";
    return new Page(200, new JsonObject().put("status", overall).put("providers", providers));
  }

  private static final class ProviderTotals {
    final String provider;
    final int[] byHealth = new int[Health.values().length];
    long inFlight;
    long capacity;
    final JsonArray instances = new JsonArray();

    ProviderTotals(String provider) {
      this.provider = provider;
    }

    void add(String pool, InstanceConfig inst, InstanceSnapshot i, GatewayConfig config) {
      byHealth[i.health().ordinal()]++;
      inFlight += i.inFlight();
      capacity += i.maxConcurrency();
      instances.add(new JsonObject().put("id", i.id()).put("pool", pool).put("model", inst.model())
          .put("key", KeyMask.mask(inst.apiKey()))
          .put("status", name(i.health()))
          .put("in_flight", i.inFlight()).put("max_concurrency", i.maxConcurrency())
          .put("consecutive_failures", i.consecutiveFailures())
          .put("last_error", KeyMask.scrub(i.lastError(), config))
          .put("latency_ms", latency(i)));
    }

    String status() {
      int total = instances.size();
      if (byHealth[Health.HEALTHY.ordinal()] == total) {
        return "healthy";
      }
      return byHealth[Health.UNHEALTHY.ordinal()] == total ? "unhealthy" : "degraded";
    }

    JsonObject json() {
      return new JsonObject().put("provider", provider).put("status", status())
          .put("healthy", byHealth[Health.HEALTHY.ordinal()])
          .put("degraded", byHealth[Health.DEGRADED.ordinal()])
          .put("unhealthy", byHealth[Health.UNHEALTHY.ordinal()])
          .put("in_flight", inFlight).put("max_concurrency", capacity)
          .put("instances", instances);
    }
  }

  private static JsonObject byPriority(PoolSnapshot pool) {
    JsonObject out = new JsonObject();
    pool.queuedByPriority().forEach((prio, n) -> out.put(Integer.toString(prio), n));
    return out;
  }

  /** The latency estimate in ms with one decimal, or null before the first answer. */
  private static Double latency(InstanceSnapshot i) {
    return i.latencyMs() < 0 ? null : Math.round(i.latencyMs() * 10) / 10.0;
  }

  private static String name(Health h) {
    return h.name().toLowerCase();
  }
}
