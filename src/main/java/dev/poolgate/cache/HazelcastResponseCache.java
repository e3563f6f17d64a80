package dev.poolgate.cache;

import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.poolgate.config.CacheConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's response cache: one Hazelcast map per pool ({@code poolgate-cache.<pool>}), with
 * the pool's TTL on every entry and LRU eviction at max_entries per member. Answers are stored
 * as JSON strings, so any member reads them.
 */
public final class HazelcastResponseCache implements ResponseCache {
  public static final String MAP_PREFIX = "poolgate-cache.";
  /**
   * Longest a lookup or store may take: a cache is there to save time, so a slow cluster is a
   * miss (or a store skipped), never a request held up.
   */
  public static final long DEFAULT_TIMEOUT_MS = 500;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final long timeoutMs;
  /** Each pool's map, set up once off the event loop (adding its config and getting it may block). */
  private final Map<String, CompletableFuture<IMap<String, String>>> maps = new ConcurrentHashMap<>();

  public HazelcastResponseCache(Vertx vertx, HazelcastInstance hz) {
    this(vertx, hz, DEFAULT_TIMEOUT_MS);
  }

  public HazelcastResponseCache(Vertx vertx, HazelcastInstance hz, long timeoutMs) {
    this.vertx = vertx;
    this.hz = hz;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Future<JsonObject> get(String pool, String key, CacheConfig config) {
    Context context = vertx.getOrCreateContext();
    return map(pool, config, context)
        .compose(m -> Future.fromCompletionStage(m.getAsync(key), context))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(json -> json == null ? null : new JsonObject(json));
  }

  @Override
  public Future<Void> put(String pool, String key, JsonObject completion, CacheConfig config) {
    Context context = vertx.getOrCreateContext();
    String json = completion.encode();
    return map(pool, config, context)
        .compose(m -> Future.fromCompletionStage(m.setAsync(key, json, config.ttlSeconds(), TimeUnit.SECONDS),
            context))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .mapEmpty();
  }

  @Override
  public long size() {
    return maps.values().stream().map(m -> m.getNow(null)).filter(java.util.Objects::nonNull)
        .mapToLong(m -> m.getLocalMapStats().getOwnedEntryCount()).sum();
  }

  /**
   * The pool's map, on the caller's context. Its first use configures and gets it on a worker
   * thread; once there, it is handed out at once.
   */
  private Future<IMap<String, String>> map(String pool, CacheConfig config, Context context) {
    CompletableFuture<IMap<String, String>> map = maps.computeIfAbsent(pool, p -> {
      CompletableFuture<IMap<String, String>> setUp = new CompletableFuture<>();
      vertx.executeBlocking(() -> {
        configure(p, config);
        return hz.<String, String>getMap(MAP_PREFIX + p);
      }, false).onComplete(ar -> {
        if (ar.succeeded()) {
          setUp.complete(ar.result());
        } else {
          // tried again on the next use
          maps.remove(p, setUp);
          setUp.completeExceptionally(ar.cause());
        }
      });
      return setUp;
    });
    IMap<String, String> ready = map.getNow(null);
    return ready != null ? Future.succeededFuture(ready) : Future.fromCompletionStage(map, context);
  }

  /** Adds the pool's map config (dynamic config is cluster-wide and idempotent for equal configs). Blocks. */
  private void configure(String pool, CacheConfig config) {
    if (hz.getConfig().getMapConfigOrNull(MAP_PREFIX + pool) != null) {
      return;
    }
    hz.getConfig().addMapConfig(new MapConfig(MAP_PREFIX + pool)
        .setTimeToLiveSeconds((int) Math.min(Integer.MAX_VALUE, config.ttlSeconds()))
        .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(config.maxEntries())));
  }
}
