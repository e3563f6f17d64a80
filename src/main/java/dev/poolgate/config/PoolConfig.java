package dev.poolgate.config;

import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.Strategy;

import java.util.List;
import java.util.Set;

/**
 * A group of interchangeable instances with one queue, and where to go when it fails.
 *
 * @param cache          the pool's response cache, or null
 * @param strategy       how a request's instance is chosen (default least_load)
 * @param latencyDecayMs time constant of the latency strategy's estimates
 * @param lendTo         pools whose queued requests may run on this pool's idle instances
 *                       ({@code lend_to}; checked against the other pools by {@link GatewayConfig})
 */
public record PoolConfig(String name, String fallback, QueueConfig queue, List<InstanceConfig> instances,
                         CacheConfig cache, Strategy strategy, long latencyDecayMs, List<String> lendTo) {

  static PoolConfig from(Fields f, String name) {
    f.only(Set.of("fallback", "queue", "instances", "strategy", "latency_decay_ms", "cache", "lend_to"));
    String strategyName = f.string("strategy", Strategy.DEFAULT.configName());
    Strategy strategy = Strategy.fromConfig(strategyName);
    if (strategy == null) {
      throw new ConfigException(f.key("strategy"), "must be one of " + Strategy.names() + ", got '"
          + strategyName + "'");
    }
    var list = f.array("instances");
    if (list.isEmpty()) {
      throw new ConfigException(f.key("instances"), "a pool needs at least one instance");
    }
    List<InstanceConfig> instances = new java.util.ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object item = list.getValue(i);
      String key = f.key("instances") + "[" + i + "]";
      if (!(item instanceof io.vertx.core.json.JsonObject o)) {
        throw new ConfigException(key, "must be a mapping");
      }
      Fields inst = new Fields(o, key);
      InstanceConfig.requireCap(inst);
      instances.add(InstanceConfig.from(inst, name));
    }
    return new PoolConfig(name, f.string("fallback", null), QueueConfig.from(f.object("queue")), List.copyOf(instances),
        CacheConfig.optional(f), strategy,
        f.number("latency_decay_ms", PoolSpec.DEFAULT_LATENCY_DECAY_MS, 1, 3_600_000), lendTo(f));
  }

  /** {@code lend_to}: a list of pool names, each once (whether they exist is checked with all pools). */
  private static List<String> lendTo(Fields f) {
    var list = f.array("lend_to");
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Object item = list.getValue(i);
      String key = f.key("lend_to") + "[" + i + "]";
      if (!(item instanceof String s) || s.isBlank()) {
        throw new ConfigException(key, "must be a pool name");
      }
      if (names.contains(s)) {
        throw new ConfigException(key, "pool '" + s + "' is listed twice");
      }
      names.add(s);
    }
    return List.copyOf(names);
  }

  public PoolSpec spec(HealthPolicy policy) {
    return new PoolSpec(name, instances.stream().map(InstanceConfig::spec).toList(), queue.maxSize(), policy,
        strategy, latencyDecayMs, lendTo);
  }
}
