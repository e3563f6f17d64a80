package dev.poolgate.cache;

import dev.poolgate.config.CacheConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Answers kept for exact repeats of a request. {@link LocalResponseCache} keeps them in the
 * node's memory; {@link HazelcastResponseCache} in the cluster, so a hit on any node serves all.
 * A failing cache never fails a request: lookups that fail count as misses.
 */
public interface ResponseCache {

  /** The cached completion, or null. */
  Future<JsonObject> get(String pool, String key, CacheConfig config);

  /** Keeps a completion for the config's time to live, within its size bound. */
  Future<Void> put(String pool, String key, JsonObject completion, CacheConfig config);

  /** Answers held now (this node's view). */
  long size();
}
