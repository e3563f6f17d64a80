package dev.poolgate.config;

import dev.poolgate.scheduling.Ticket;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One client (virtual) key: who may call, which models, at which priority, how much. Only the
 * SHA-256 of the key is kept in memory, in exports and on disk; a plain {@code key} in the config
 * file (usually {@code ${ENV}}) is hashed while loading.
 *
 * @param name            the key's name: what logs, metrics and usage records show
 * @param sha256          hex SHA-256 of the key string
 * @param models          model names, aliases or pool names it may use; empty = all
 * @param defaultPriority priority of its requests that ask for none
 * @param maxPriority     highest {@code user_level} it may ask for
 * @param maxRps          requests per second, cluster-wide; 0 = no limit
 * @param maxTpm          tokens per minute, cluster-wide; 0 = no limit
 * @param maxConcurrency  requests in flight at once, cluster-wide; 0 = no limit
 * @param expiresAt       after this instant the key is refused; null = never
 */
public record ClientKeyConfig(String name, String sha256, Set<String> models, int defaultPriority, int maxPriority,
                              int maxRps, long maxTpm, int maxConcurrency, Instant expiresAt) {

  static final Set<String> FIELDS = Set.of("key", "key_sha256", "models", "default_priority", "max_priority",
      "max_rps", "max_tpm", "max_concurrency", "expires_at");

  static ClientKeyConfig from(Fields f, String name) {
    f.only(FIELDS);
    String sha256;
    if (f.has("key") == f.has("key_sha256")) {
      throw new ConfigException(f.key("key"), "give exactly one of 'key' (the key itself) or 'key_sha256'");
    }
    if (f.has("key")) {
      String key = f.string("key");
      if (key.length() < 16) {
        throw new ConfigException(f.key("key"), "a client key must be at least 16 characters");
      }
      sha256 = sha256(key);
    } else {
      sha256 = f.string("key_sha256").toLowerCase();
      if (!sha256.matches("[0-9a-f]{64}")) {
        throw new ConfigException(f.key("key_sha256"), "must be 64 hex digits (the SHA-256 of the key)");
      }
    }
    Set<String> models = new LinkedHashSet<>();
    if (f.has("models")) {
      var list = f.array("models");
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof String s) || s.isBlank()) {
          throw new ConfigException(f.key("models") + "[" + i + "]", "must be a model or pool name");
        }
        models.add(s);
      }
    }
    int defaultPriority = f.integer("default_priority", Ticket.MIN_PRIORITY, Ticket.MIN_PRIORITY, Ticket.MAX_PRIORITY);
    int maxPriority = f.integer("max_priority", defaultPriority, Ticket.MIN_PRIORITY, Ticket.MAX_PRIORITY);
    if (maxPriority < defaultPriority) {
      throw new ConfigException(f.key("max_priority"), "must be at least default_priority (" + defaultPriority + ")");
    }
    Instant expiresAt = null;
    if (f.has("expires_at")) {
      String raw = f.string("expires_at");
      try {
        expiresAt = Instant.parse(raw);
      } catch (DateTimeParseException e) {
        throw new ConfigException(f.key("expires_at"), "must be an ISO-8601 instant like 2027-01-31T00:00:00Z, got '"
            + raw + "'");
      }
    }
    return new ClientKeyConfig(name, sha256, Set.copyOf(models), defaultPriority, maxPriority,
        f.integer("max_rps", 0, 0, 1_000_000), f.number("max_tpm", 0, 0, 1_000_000_000_000L),
        f.integer("max_concurrency", 0, 0, 1_000_000), expiresAt);
  }

  /** The hex SHA-256 of a key string: what is stored and compared. */
  public static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Whether the key may use this model (as named by the client) resolved to this pool. */
  public boolean allows(String model, String pool) {
    return models.isEmpty() || models.contains(model) || models.contains(pool);
  }

  public boolean expired(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }
}
