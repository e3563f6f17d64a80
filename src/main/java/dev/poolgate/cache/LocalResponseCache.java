package dev.poolgate.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.poolgate.config.CacheConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The standalone response cache: one bounded Caffeine cache per pool and config. */
public final class LocalResponseCache implements ResponseCache {
  private record Bucket(CacheConfig config, Cache<String, JsonObject> cache) {}

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  @Override
  public Future<JsonObject> get(String pool, String key, CacheConfig config) {
    return Future.succeededFuture(bucket(pool, config).cache().getIfPresent(key));
  }

  @Override
  public Future<Void> put(String pool, String key, JsonObject completion, CacheConfig config) {
    bucket(pool, config).cache().put(key, completion);
    return Future.succeededFuture();
  }

  @Override
  public long size() {
    return buckets.values().stream().mapToLong(b -> b.cache().estimatedSize()).sum();
  }

  /** A new config (reload) starts a new bucket: TTL and bounds are fixed per Caffeine cache. */
  private Bucket bucket(String pool, CacheConfig config) {
    return buckets.compute(pool, (p, existing) -> existing != null && existing.config().equals(config)
        ? existing
        : new Bucket(config, Caffeine.newBuilder()
            .maximumSize(config.maxEntries())
            .expireAfterWrite(Duration.ofSeconds(config.ttlSeconds()))
            .build()));
  }
}
