package dev.poolgate.config;

import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.PoolSpec;

import java.util.List;
import java.util.Set;

/**
 * A group of interchangeable instances with one queue, and where to go when it fails.
 *
 * @param cache the pool's response cache, or null
 */
public record PoolConfig(String name, String fallback, QueueConfig queue, List<InstanceConfig> instances,
                         CacheConfig cache) {

  static PoolConfig from(Fields f, String name) {
    f.only(Set.of("fallback", "queue", "instances", "cache"));
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
        CacheConfig.optional(f));
  }

  public PoolSpec spec(HealthPolicy policy) {
    return new PoolSpec(name, instances.stream().map(InstanceConfig::spec).toList(), queue.maxSize(), policy);
  }
}
