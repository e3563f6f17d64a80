package dev.poolgate.lib;

import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * Builds the same configuration as the YAML file, in code. {@link #build()} validates it exactly
 * like the file (same checks, same messages naming the key, {@code ${ENV}} substitution included).
 *
 * <pre>{@code
 * GatewayConfig config = PoolgateConfig.builder()
 *     .pool("small", pool -> pool.queue(1000, 30_000).strategy("least_load")
 *         .instance(i -> i.id("a").provider("openai").baseUrl("http://127.0.0.1:9001/v1")
 *             .apiKey("${OPENAI_KEY}").model("gpt-4o-mini").maxConcurrency(4).weight(2)))
 *     .model("gpt-4o-mini", "small")
 *     .build();
 * }</pre>
 */
public final class PoolgateConfig {
  private final JsonObject json = new JsonObject();

  private PoolgateConfig() {
  }

  public static PoolgateConfig builder() {
    return new PoolgateConfig();
  }

  /** {@code server:} — only used when the library also serves HTTP. */
  public PoolgateConfig server(String host, int port) {
    json.put("server", new JsonObject().put("host", host).put("port", port));
    return this;
  }

  public PoolgateConfig pool(String name, Consumer<Pool> pool) {
    Pool p = new Pool();
    pool.accept(p);
    pools().put(name, p.json);
    return this;
  }

  /** A client-facing model name or alias → pool. */
  public PoolgateConfig model(String model, String pool) {
    JsonObject models = json.getJsonObject("models");
    if (models == null) {
      json.put("models", models = new JsonObject());
    }
    models.put(model, pool);
    return this;
  }

  /** Any other top-level section ({@code health}, {@code retry}, ...) as in the YAML. */
  public PoolgateConfig section(String name, JsonObject value) {
    json.put(name, value.copy());
    return this;
  }

  /** The validated configuration; throws {@link dev.poolgate.config.ConfigException} naming the bad key. */
  public GatewayConfig build() {
    return ConfigLoader.parse(json.copy());
  }

  private JsonObject pools() {
    JsonObject pools = json.getJsonObject("pools");
    if (pools == null) {
      json.put("pools", pools = new JsonObject());
    }
    return pools;
  }

  /** One pool: {@code pools.NAME} in the YAML. */
  public static final class Pool {
    private final JsonObject json = new JsonObject().put("instances", new JsonArray());

    public Pool fallback(String pool) {
      json.put("fallback", pool);
      return this;
    }

    /** {@code lend_to}: pools whose queued requests may run on this pool's idle instances. */
    public Pool lendTo(String... pools) {
      json.put("lend_to", new JsonArray(java.util.List.of((Object[]) pools)));
      return this;
    }

    public Pool queue(int maxSize, long timeoutMs) {
      json.put("queue", new JsonObject().put("max_size", maxSize).put("timeout_ms", timeoutMs));
      return this;
    }

    /** Any other pool key of the YAML (e.g. {@code strategy}). */
    public Pool set(String key, Object value) {
      json.put(key, value);
      return this;
    }

    public Pool instance(Consumer<Instance> instance) {
      Instance i = new Instance();
      instance.accept(i);
      json.getJsonArray("instances").add(i.json);
      return this;
    }
  }

  /** One instance: an entry of {@code pools.NAME.instances} in the YAML. */
  public static final class Instance {
    private final JsonObject json = new JsonObject();

    public Instance id(String id) { return set("id", id); }
    public Instance provider(String provider) { return set("provider", provider); }
    public Instance baseUrl(String url) { return set("base_url", url); }
    public Instance apiKey(String key) { return set("api_key", key); }
    public Instance model(String model) { return set("model", model); }
    public Instance maxConcurrency(int cap) { return set("max_concurrency", cap); }
    public Instance weight(int weight) { return set("weight", weight); }

    /** Any other instance key of the YAML ({@code timeout_ms}, {@code params}, {@code mock}, ...). */
    public Instance set(String key, Object value) {
      json.put(key, value);
      return this;
    }
  }
}
