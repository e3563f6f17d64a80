package dev.poolgate.keys;

import dev.poolgate.config.ClientKeyConfig;

import java.io.Serializable;

/**
 * A client key's limits as they are when a request asks (they travel with each operation, so a
 * reload takes effect on the next request). 0 = no limit.
 */
public record KeyLimits(int maxRps, long maxTpm, int maxConcurrency) implements Serializable {

  public static KeyLimits of(ClientKeyConfig key) {
    return new KeyLimits(key.maxRps(), key.maxTpm(), key.maxConcurrency());
  }

  /** Whether any limit is set; a key without one needs no shared state. */
  public boolean any() {
    return maxRps > 0 || maxTpm > 0 || maxConcurrency > 0;
  }
}
