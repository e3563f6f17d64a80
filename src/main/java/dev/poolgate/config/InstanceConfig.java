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
 */
public record InstanceConfig(String id, String pool, String provider, String baseUrl, String apiKey, String model,
                             int maxConcurrency, int weight, long timeoutMs, long connectTimeoutMs,
                             String probePath, Map<String, String> headers, JsonObject params,
                             JsonObject override, MockOptions mock) {

  public static final Set<String> PROVIDERS = Set.of("openai", "mock");
  public static final int DEFAULT_WEIGHT = 1;
  public static final long DEFAULT_TIMEOUT_MS = 60_000;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

  private static final Set<String> KEYS = Set.of("id", "provider", "base_url", "api_key", "model",
      "max_concurrency", "weight", "timeout_ms", "connect_timeout_ms", "probe_path", "headers", "params",
      "override", "mock");

  static InstanceConfig from(Fields f, String pool) {
    f.only(KEYS);
    String id = f.string("id");
    String provider = f.string("provider");
    if (!PROVIDERS.contains(provider)) {
      throw new ConfigException(f.key("provider"), "unknown provider '" + provider + "' (known: "
          + String.join(", ", new java.util.TreeSet<>(PROVIDERS)) + ")");
    }
    boolean mock = provider.equals("mock");
    String baseUrl = mock ? f.string("base_url", "mock://" + id) : f.string("base_url");
    if (!mock && !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
      throw new ConfigException(f.key("base_url"), "must start with http:// or https://, got '" + baseUrl + "'");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    f.objectOrEmpty("headers").forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    return new InstanceConfig(id, pool, provider, stripSlash(baseUrl), f.string("api_key", null),
        mock ? f.string("model", id) : f.string("model"),
        f.integer("max_concurrency", 0, 1, 1_000_000),
        f.integer("weight", DEFAULT_WEIGHT, 1, 1_000_000),
        f.number("timeout_ms", DEFAULT_TIMEOUT_MS, 1, 3_600_000),
        f.number("connect_timeout_ms", DEFAULT_CONNECT_TIMEOUT_MS, 1, 600_000),
        f.string("probe_path", "/models"),
        Map.copyOf(headers), f.objectOrEmpty("params"), f.objectOrEmpty("override"),
        MockOptions.from(f.object("mock")));
  }

  /** Validates that a required cap is present (0 is the "absent" sentinel of the reader). */
  static void requireCap(Fields f) {
    if (!f.has("max_concurrency")) {
      throw new ConfigException(f.key("max_concurrency"), "is required");
    }
  }

  public InstanceSpec spec() {
    return new InstanceSpec(id, maxConcurrency, weight);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
