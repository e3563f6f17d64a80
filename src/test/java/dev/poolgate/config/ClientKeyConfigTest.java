package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keys, admin and usage sections: parsed, hashed, and rejected with the key named. */
class ClientKeyConfigTest {
  private static final String KEY = "pg-team-a-0123456789abcdef";

  private static JsonObject base() {
    return new JsonObject()
        .put("pools", new JsonObject()
            .put("large", new JsonObject().put("instances", new JsonArray()
                .add(new JsonObject().put("id", "l1").put("provider", "mock").put("max_concurrency", 2))))
            .put("small", new JsonObject().put("instances", new JsonArray()
                .add(new JsonObject().put("id", "s1").put("provider", "mock").put("max_concurrency", 2)))))
        .put("models", new JsonObject().put("gpt-4o", "large"));
  }

  private static JsonObject withKey(JsonObject key) {
    return base().put("keys", new JsonObject().put("team-a", key));
  }

  private static void assertRejected(String key, JsonObject cfg) {
    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromJson(cfg));
    assertTrue(e.getMessage().startsWith(key + ": "), "message names " + key + ": " + e.getMessage());
  }

  @Test
  void noKeysMeansOpen() {
    GatewayConfig cfg = GatewayConfig.fromJson(base());
    assertTrue(cfg.keys().isEmpty());
    assertFalse(cfg.admin().enabled());
    assertTrue(cfg.usage().enabled());
  }

  @Test
  void aPlainKeyIsKeptOnlyAsItsHash() {
    GatewayConfig cfg = GatewayConfig.fromJson(withKey(new JsonObject().put("key", KEY)
        .put("models", new JsonArray().add("gpt-4o")).put("default_priority", 3).put("max_priority", 7)
        .put("max_rps", 5).put("max_tpm", 1000).put("max_concurrency", 2).put("expires_at", "2030-01-01T00:00:00Z")));
    ClientKeyConfig key = cfg.keys().get("team-a");
    assertEquals(ClientKeyConfig.sha256(KEY), key.sha256());
    assertEquals(64, key.sha256().length());
    assertFalse(key.toString().contains(KEY));
    assertEquals(3, key.defaultPriority());
    assertEquals(7, key.maxPriority());
    assertEquals(5, key.maxRps());
    assertEquals(1000, key.maxTpm());
    assertEquals(2, key.maxConcurrency());
    assertTrue(key.allows("gpt-4o", "large"));
    assertFalse(key.allows("small", "small"));
    assertFalse(key.expired(Instant.parse("2029-12-31T23:59:59Z")));
    assertTrue(key.expired(Instant.parse("2030-01-01T00:00:00Z")));
  }

  @Test
  void aHashedKeyAndDefaults() {
    String hash = ClientKeyConfig.sha256(KEY).toUpperCase();
    ClientKeyConfig key = GatewayConfig.fromJson(withKey(new JsonObject().put("key_sha256", hash)))
        .keys().get("team-a");
    assertEquals(hash.toLowerCase(), key.sha256());
    assertTrue(key.allows("anything", "small"), "no models list: all models");
    assertEquals(key.defaultPriority(), key.maxPriority());
    assertNull(key.expiresAt());
  }

  @Test
  void badKeysAreRejectedNamingTheKey() {
    assertRejected("keys.team-a.key", withKey(new JsonObject()));
    assertRejected("keys.team-a.key", withKey(new JsonObject().put("key", KEY)
        .put("key_sha256", ClientKeyConfig.sha256(KEY))));
    assertRejected("keys.team-a.key", withKey(new JsonObject().put("key", "short")));
    assertRejected("keys.team-a.key_sha256", withKey(new JsonObject().put("key_sha256", "abc")));
    assertRejected("keys.team-a.models", withKey(new JsonObject().put("key", KEY)
        .put("models", new JsonArray().add("nope"))));
    assertRejected("keys.team-a.max_priority", withKey(new JsonObject().put("key", KEY)
        .put("default_priority", 5).put("max_priority", 2)));
    assertRejected("keys.team-a.default_priority", withKey(new JsonObject().put("key", KEY)
        .put("default_priority", 11)));
    assertRejected("keys.team-a.expires_at", withKey(new JsonObject().put("key", KEY).put("expires_at", "tomorrow")));
    assertRejected("keys.team-a.max_rps", withKey(new JsonObject().put("key", KEY).put("max_rps", -1)));
    assertRejected("keys.team-a.colour", withKey(new JsonObject().put("key", KEY).put("colour", "red")));
    JsonObject twice = base().put("keys", new JsonObject()
        .put("a", new JsonObject().put("key", KEY)).put("b", new JsonObject().put("key", KEY)));
    assertRejected("keys.b", twice);
    assertRejected("keys.bad name", base().put("keys", new JsonObject().put("bad name", new JsonObject().put("key", KEY))));
  }

  @Test
  void adminAndUsageSections() {
    GatewayConfig cfg = GatewayConfig.fromJson(base()
        .put("admin", new JsonObject().put("token", "admin-token-0123456789").put("state_dir", "/tmp/pg"))
        .put("usage", new JsonObject().put("jdbc_url", "jdbc:postgresql://db/poolgate").put("shared", true)));
    assertTrue(cfg.admin().enabled());
    assertEquals("/tmp/pg", cfg.admin().stateDir());
    assertTrue(cfg.usage().shared());
    assertFalse(GatewayConfig.fromJson(base().put("admin", new JsonObject().put("token", ""))).admin().enabled());
    assertRejected("admin.token", base().put("admin", new JsonObject().put("token", "short")));
    assertRejected("usage.jdbc_url", base().put("usage", new JsonObject().put("jdbc_url", "h2:file")));
  }
}
