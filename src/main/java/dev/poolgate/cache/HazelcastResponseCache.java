package dev.poolgate.cache;

import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.poolgate.config.CacheConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's response cache: one Hazelcast map per pool ({@code poolgate-cache.<pool>}), with
 * the pool's TTL on every entry and LRU eviction at max_entries per member. Answers are stored
 * as JSON strings, so any member reads them.
 */
public final class HazelcastResponseCache implements ResponseCache {
  public static final String MAP_PREFIX = "poolgate-cache.";

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final Map<String, IMap<String, String>> maps = new ConcurrentHashMap<>();

  public HazelcastResponseCache(Vertx vertx, HazelcastInstance hz) {
    this.vertx = vertx;
    this.hz = hz;
  }

  @Override
  public Future<JsonObject> get(String pool, String key, CacheConfig config) {
    configure(pool, config);
    return Future.fromCompletionStage(map(pool).getAsync(key), vertx.getOrCreateContext())
        .map(json -> json == null ? null : new JsonObject(json));
  }

  @Override
  public Future<Void> put(String pool, String key, JsonObject completion, CacheConfig config) {
    configure(pool, config);
    return Future.fromCompletionStage(map(pool).setAsync(key, completion.encode(), config.ttlSeconds(),
        TimeUnit.SECONDS), vertx.getOrCreateContext()).mapEmpty();
  }

  @Override
  public long size() {
    return maps.values().stream().mapToLong(m -> m.getLocalMapStats().getOwnedEntryCount()).sum();
  }

  private IMap<String, String> map(String pool) {
    return maps.computeIfAbsent(pool, p -> hz.getMap(MAP_PREFIX + p));
  }

  /** Adds the pool's map config once (dynamic config is cluster-wide and idempotent for equal configs). */
  private void configure(String pool, CacheConfig config) {
    if (maps.containsKey(pool) || hz.getConfig().getMapConfigOrNull(MAP_PREFIX + pool) != null) {
      return;
    }
    hz.getConfig().addMapConfig(new MapConfig(MAP_PREFIX + pool)
        .setTimeToLiveSeconds((int) Math.min(Integer.MAX_VALUE, config.ttlSeconds()))
        .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(config.maxEntries())));
  }
}
