package dev.poolgate.keys;

import dev.poolgate.config.ClientKeyConfig;
import io.vertx.core.Future;

/**
 * Enforces each client key's {@code max_concurrency}, {@code max_rps} and {@code max_tpm}.
 * {@link LocalKeyLimiter} keeps the counts of one node in memory; {@link HazelcastKeyLimiter}
 * shares them across a cluster, where the limits are global.
 *
 * <p>A refusal is a {@code RATE_LIMITED} {@link dev.poolgate.GatewayException} carrying the
 * Retry-After seconds; a cluster store that cannot be reached refuses with
 * {@code STORE_UNAVAILABLE} (fail closed: never admit without counting).
 */
public interface KeyLimiter {

  /** This node's id, the owner recorded with its permits. */
  String nodeId();

  /** Takes a permit for one request of this key under its current limits, or refuses it. */
  Future<KeyPermit> acquire(ClientKeyConfig key);

  /**
   * Gives a permit back with the tokens its request used (they count against {@code max_tpm}).
   * Releasing an unknown or already released permit is a no-op.
   */
  Future<Void> release(KeyPermit permit, long tokensUsed);

  /** The key's permits in flight (cluster-wide in cluster mode). */
  Future<Integer> inFlight(String key);

  /** Stops listening; permits still held stay counted until released (or their node leaves). */
  Future<Void> close();
}
