package dev.poolgate.config;

import java.util.Set;

/**
 * The response cache of a pool or a model (off unless configured).
 *
 * @param ttlSeconds        how long an answer is served from the cache
 * @param maxEntries        most answers kept (per pool; per node in cluster mode)
 * @param deterministicOnly cache only requests that ask for a repeatable answer
 *                          ({@code temperature: 0} or a {@code seed})
 */
public record CacheConfig(long ttlSeconds, int maxEntries, boolean deterministicOnly) {
  public static final long DEFAULT_TTL_SECONDS = 300;
  public static final int DEFAULT_MAX_ENTRIES = 10_000;

  static CacheConfig from(Fields f) {
    f.only(Set.of("ttl_s", "max_entries", "deterministic_only"));
    return new CacheConfig(f.number("ttl_s", DEFAULT_TTL_SECONDS, 1, 30L * 24 * 3600),
        f.integer("max_entries", DEFAULT_MAX_ENTRIES, 1, 10_000_000),
        f.bool("deterministic_only", true));
  }

  /** The cache section if present, else null (no cache). */
  static CacheConfig optional(Fields parent) {
    return parent.has("cache") ? from(parent.object("cache")) : null;
  }
}
