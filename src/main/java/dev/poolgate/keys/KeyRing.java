package dev.poolgate.keys;

import dev.poolgate.ErrorKind;
import dev.poolgate.config.ClientKeyConfig;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The client keys of one configuration, by the SHA-256 of the key: resolves the key a caller
 * presented to its {@link ClientKeyConfig}. Built anew whenever the configuration changes; expiry
 * is checked per request, against the clock of that request.
 *
 * <p>Lookup is by digest, so the map never holds a key and a comparison's timing can only tell
 * something about a hash, never about a key.
 */
public final class KeyRing {
  private static final KeyRing OPEN = new KeyRing(Map.of());

  private final Map<String, ClientKeyConfig> byHash;

  private KeyRing(Map<String, ClientKeyConfig> byHash) {
    this.byHash = byHash;
  }

  /** The ring of these keys (by name, as in the config); no keys = open. */
  public static KeyRing of(Map<String, ClientKeyConfig> keys) {
    if (keys.isEmpty()) {
      return OPEN;
    }
    Map<String, ClientKeyConfig> byHash = new HashMap<>();
    keys.values().forEach(k -> byHash.put(k.sha256(), k));
    return new KeyRing(Map.copyOf(byHash));
  }

  /** True when no key is configured: every caller is let in, without a key. */
  public boolean open() {
    return byHash.isEmpty();
  }

  /**
   * The key a caller presented, resolved; null when the ring is open. Fails with
   * {@code UNAUTHORIZED} when the key is missing, unknown or expired; the message says which and
   * never repeats the key.
   *
   * @param presented the key as sent (already taken out of its header), or null
   */
  public ClientKeyConfig authenticate(String presented, Instant now) {
    if (open()) {
      return null;
    }
    if (presented == null || presented.isBlank()) {
      throw ErrorKind.UNAUTHORIZED.exception("no API key: send it as 'Authorization: Bearer KEY' or 'x-api-key: KEY'");
    }
    ClientKeyConfig key = byHash.get(ClientKeyConfig.sha256(presented.trim()));
    if (key == null) {
      throw ErrorKind.UNAUTHORIZED.exception("invalid API key");
    }
    if (key.expired(now)) {
      throw ErrorKind.UNAUTHORIZED.exception("the API key '" + key.name() + "' expired at " + key.expiresAt());
    }
    return key;
  }
}
