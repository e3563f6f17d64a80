package dev.poolgate.config;

import dev.poolgate.scheduling.PoolSpec;
import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole, validated configuration of a node. Built only by {@link #fromJson}, which rejects
 * bad config with one message naming the key.
 *
 * @param models    client-facing model names and aliases → pool (pool names are always valid too)
 * @param instances   every instance of every pool, by id
 * @param modelCaches response caches set on a model ({@code models.NAME.cache}), overriding its pool's
 * @param defaultPool where requests that name no model go ({@code /llm/chat}); default the first pool
 * @param keys        client keys by name; empty = the gateway runs open (no auth)
 * @param admin       the admin API's token and state directory
 * @param usage       where usage records go
 */
public record GatewayConfig(ServerConfig server, Map<String, PoolConfig> pools, Map<String, String> models,
                            HealthConfig health, RetryConfig retry, Map<String, InstanceConfig> instances,
                            Map<String, CacheConfig> modelCaches, String defaultPool,
                            Map<String, ClientKeyConfig> keys, AdminConfig admin, UsageConfig usage) {

  private static final Set<String> KEYS = Set.of("server", "pools", "models", "health", "retry", "default_pool",
      "keys", "admin", "usage");

  public static GatewayConfig fromJson(JsonObject json) {
    Fields root = new Fields(json, "").only(KEYS);
    Fields poolsJson = root.object("pools");
    if (poolsJson.raw().isEmpty()) {
      throw new ConfigException("pools", "at least one pool is required");
    }
    Map<String, PoolConfig> pools = new LinkedHashMap<>();
    for (String name : poolsJson.raw().fieldNames()) {
      pools.put(name, PoolConfig.from(poolsJson.object(name), name));
    }
    Map<String, String> seen = new HashMap<>();
    pools.forEach((name, pool) -> {
      for (int i = 0; i < pool.instances().size(); i++) {
        String id = pool.instances().get(i).id();
        String where = seen.putIfAbsent(id, "pools." + name + ".instances[" + i + "]");
        if (where != null) {
          throw new ConfigException("pools." + name + ".instances[" + i + "].id",
              "duplicate instance id '" + id + "' (also at " + where + ")");
        }
      }
      if (pool.fallback() != null) {
        if (!pools.containsKey(pool.fallback()) && !poolsJson.raw().containsKey(pool.fallback())) {
          throw new ConfigException("pools." + name + ".fallback", "unknown pool '" + pool.fallback() + "'");
        }
        if (pool.fallback().equals(name)) {
          throw new ConfigException("pools." + name + ".fallback", "a pool cannot fall back to itself");
        }
      }
      for (int i = 0; i < pool.lendTo().size(); i++) {
        String borrower = pool.lendTo().get(i);
        if (!poolsJson.raw().containsKey(borrower)) {
          throw new ConfigException("pools." + name + ".lend_to[" + i + "]", "unknown pool '" + borrower + "'");
        }
        if (borrower.equals(name)) {
          throw new ConfigException("pools." + name + ".lend_to[" + i + "]", "a pool cannot lend to itself");
        }
      }
    });
    Map<String, String> models = new LinkedHashMap<>();
    Map<String, CacheConfig> modelCaches = new LinkedHashMap<>();
    Fields modelsJson = root.object("models");
    for (String model : modelsJson.raw().fieldNames()) {
      String pool;
      if (modelsJson.raw().getValue(model) instanceof JsonObject) {
        // long form: { pool: NAME, cache: {...} }
        Fields entry = modelsJson.object(model).only(Set.of("pool", "cache"));
        pool = entry.string("pool");
        CacheConfig cache = CacheConfig.optional(entry);
        if (cache != null) {
          modelCaches.put(model, cache);
        }
      } else {
        pool = modelsJson.string(model);
      }
      if (!pools.containsKey(pool)) {
        throw new ConfigException("models." + model, "unknown pool '" + pool + "'");
      }
      models.put(model, pool);
    }
    pools.keySet().forEach(p -> models.putIfAbsent(p, p));
    String defaultPool = root.string("default_pool", pools.keySet().iterator().next());
    if (!pools.containsKey(defaultPool)) {
      throw new ConfigException("default_pool", "unknown pool '" + defaultPool + "'");
    }
    return new GatewayConfig(ServerConfig.from(root.object("server")), Collections.unmodifiableMap(pools),
        Collections.unmodifiableMap(models), HealthConfig.from(root.object("health")),
        RetryConfig.from(root.object("retry")), instancesOf(pools), Collections.unmodifiableMap(modelCaches),
        defaultPool, keysOf(root.object("keys"), pools, models), AdminConfig.from(root.object("admin")),
        UsageConfig.from(root.object("usage")));
  }

  private static Map<String, ClientKeyConfig> keysOf(Fields keysJson, Map<String, PoolConfig> pools,
                                                     Map<String, String> models) {
    Map<String, ClientKeyConfig> keys = new LinkedHashMap<>();
    Map<String, String> byHash = new HashMap<>();
    for (String name : keysJson.raw().fieldNames()) {
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new ConfigException("keys." + name, "a key name is 1-64 letters, digits, '.', '_' or '-'");
      }
      ClientKeyConfig key = ClientKeyConfig.from(keysJson.object(name), name);
      for (String model : key.models()) {
        if (!models.containsKey(model) && !pools.containsKey(model)) {
          throw new ConfigException("keys." + name + ".models", "unknown model or pool '" + model + "'");
        }
      }
      String other = byHash.putIfAbsent(key.sha256(), name);
      if (other != null) {
        throw new ConfigException("keys." + name, "the same key as keys." + other);
      }
      keys.put(name, key);
    }
    return Collections.unmodifiableMap(keys);
  }

  private static Map<String, InstanceConfig> instancesOf(Map<String, PoolConfig> pools) {
    Map<String, InstanceConfig> all = new LinkedHashMap<>();
    pools.values().forEach(p -> p.instances().forEach(i -> all.put(i.id(), i)));
    return Collections.unmodifiableMap(all);
  }

  /** The response cache for a request of this model in this pool: the model's, else the pool's, else null. */
  public CacheConfig cacheFor(String model, String pool) {
    CacheConfig byModel = modelCaches.get(model);
    return byModel != null ? byModel : pools.get(pool).cache();
  }

  /** What the ledger needs: one spec per pool. */
  public List<PoolSpec> poolSpecs() {
    return pools.values().stream().map(p -> p.spec(health.policy())).toList();
  }

  /** The pools whose idle instances may serve requests queued in {@code pool} (they list it in lend_to). */
  public List<String> lendersTo(String pool) {
    return pools.values().stream().filter(p -> p.lendTo().contains(pool)).map(PoolConfig::name).toList();
  }

  /** The pools a request for {@code pool} may go to, in order: itself, then its fallbacks. */
  public List<String> fallbackChain(String pool) {
    List<String> chain = new java.util.ArrayList<>();
    Set<String> visited = new HashSet<>();
    for (String p = pool; p != null && visited.add(p); p = pools.get(p).fallback()) {
      chain.add(p);
    }
    return chain;
  }
}
