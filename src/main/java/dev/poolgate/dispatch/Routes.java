package dev.poolgate.dispatch;

import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.ProviderCatalog;
import dev.poolgate.provider.Endpoint;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a request may go under one configuration — each pool's fallback chain, and which
 * instances cannot serve an endpoint — worked out once per configuration and pool instead of on
 * every request. A new configuration gets new routes ({@link #of}).
 */
final class Routes {
  private final GatewayConfig config;
  private final Map<String, List<String>> chains = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> unservable = new ConcurrentHashMap<>();

  private Routes(GatewayConfig config) {
    this.config = config;
  }

  /** The routes of this configuration: the current ones if they were made for it, else new ones. */
  static Routes of(GatewayConfig config, Routes current) {
    return current != null && current.config == config ? current : new Routes(config);
  }

  GatewayConfig config() {
    return config;
  }

  /** The pools a request for {@code pool} may go to, in order: itself, then its fallbacks. */
  List<String> chain(String pool) {
    return chains.computeIfAbsent(pool, p -> List.copyOf(config.fallbackChain(p)));
  }

  /**
   * Instances of the pool, and of the pools lending to it, whose protocol cannot serve the
   * endpoint (embeddings on gemini): never picked for such a request.
   */
  Set<String> unservable(String pool, Endpoint endpoint) {
    return unservable.computeIfAbsent(pool + '\u0000' + endpoint.name(), k ->
        Stream.concat(Stream.of(pool), config.lendersTo(pool).stream())
            .flatMap(p -> config.pools().get(p).instances().stream())
            .filter(i -> !ProviderCatalog.serves(i.adapter(), endpoint))
            .map(i -> i.id())
            .collect(Collectors.toUnmodifiableSet()));
  }
}
