package dev.poolgate.config;

import dev.poolgate.scheduling.InstanceSpec;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One upstream deployment or API key.
 *
 * @param params   defaults merged under the client's request fields
 * @param override values forced over the client's request fields
 * @param headers  extra headers sent upstream
 * @param adapter  the adapter that speaks for the provider ({@link ProviderCatalog})
 * @param settings the provider-specific keys, checked by the {@link ProviderCatalog}
 * @param maxRps   requests per second it may start (sliding 1 s window); 0 = no limit
 * @param maxTpm   tokens per minute it may use (counted as answers finish); 0 = no limit
 * @param drained  taken out of service by an operator: no new requests, those in flight finish
 * @param budget   how long one upstream call may take ({@link TimeBudget}), applied at the upstream client
 */
public record InstanceConfig(String id, String pool, String provider, String adapter, String baseUrl, String apiKey,
                             String model, int maxConcurrency, int weight, TimeBudget budget,
                             String probePath, Map<String, String> headers, JsonObject params,
                             JsonObject override, JsonObject settings, int maxRps, long maxTpm,
                             boolean drained) {
  public static final int DEFAULT_WEIGHT = 1;
  public static final long DEFAULT_TIMEOUT_MS = TimeBudget.DEFAULT_TIMEOUT_MS;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = TimeBudget.DEFAULT_CONNECT_MS;
  /** Bound of max_rps: the window keeps one grant time per allowed request. */
  public static final int MAX_RPS_LIMIT = 10_000;

  private static final Set<String> KEYS = Set.of("id", "provider", "base_url", "api_key", "model",
      "max_concurrency", "weight", "timeout_ms", "connect_timeout_ms", "first_byte_timeout_ms", "idle_timeout_ms",
      "total_timeout_ms", "probe_path", "headers", "params",
      "override", "max_rps", "max_tpm", "drained");

  static InstanceConfig from(Fields f, String pool) {
    String id = f.string("id");
    ProviderCatalog.Kind kind = ProviderCatalog.kind(f.string("provider"), f.key("provider"));
    Set<String> known = new java.util.HashSet<>(KEYS);
    known.addAll(kind.settings());
    f.only(known);
    boolean mock = kind.adapter().equals("mock");
    JsonObject settings = ProviderCatalog.settings(kind, f);
    String baseUrl;
    if (kind.settingsUrl() != null) {
      if (f.has("base_url")) {
        throw new ConfigException(f.key("base_url"), "is not used by provider " + kind.name()
            + ": its own settings give the URL");
      }
      baseUrl = ProviderCatalog.settingsBaseUrl(kind, settings, f);
    } else {
      baseUrl = mock ? f.string("base_url", "mock://" + id)
          : kind.defaultBaseUrl() != null ? f.string("base_url", kind.defaultBaseUrl()) : f.string("base_url");
    }
    if (!mock && !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
      throw new ConfigException(f.key("base_url"), "must start with http:// or https://, got '" + baseUrl + "'");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    f.objectOrEmpty("headers").forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    return new InstanceConfig(id, pool, kind.name(), kind.adapter(), stripSlash(baseUrl), f.string("api_key", null),
        kind.modelRequired() ? f.string("model") : f.string("model", id),
        f.integer("max_concurrency", 0, 1, 1_000_000),
        f.integer("weight", DEFAULT_WEIGHT, 1, 1_000_000),
        TimeBudget.from(f),
        f.string("probe_path", "/models"),
        Map.copyOf(headers), f.objectOrEmpty("params"), f.objectOrEmpty("override"), settings,
        f.integer("max_rps", 0, 1, MAX_RPS_LIMIT),
        f.number("max_tpm", 0, 1, 1_000_000_000_000L),
        f.bool("drained", false));
  }

  /** The mock provider's behaviour (defaults for any other provider). */
  public MockOptions mock() {
    return MockOptions.from(new Fields(settings.getJsonObject("mock"), "mock"));
  }

  /** Validates that a required cap is present (0 is the "absent" sentinel of the reader). */
  static void requireCap(Fields f) {
    if (!f.has("max_concurrency")) {
      throw f.missing("max_concurrency");
    }
  }

  public InstanceSpec spec() {
    return new InstanceSpec(id, maxConcurrency, weight, maxRps, maxTpm, drained);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
