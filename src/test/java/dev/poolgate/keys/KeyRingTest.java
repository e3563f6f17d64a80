package dev.poolgate.keys;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.config.ClientKeyConfig;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyRingTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private static final String ALICE = "sk-alice-0123456789abcdef";
  private static final String OLD = "sk-old-0123456789abcdef";

  private static ClientKeyConfig key(String name, String secret, Instant expiresAt) {
    return new ClientKeyConfig(name, ClientKeyConfig.sha256(secret), Set.of(), 0, 10, 0, 0, 0, expiresAt);
  }

  private final KeyRing ring = KeyRing.of(Map.of("alice", key("alice", ALICE, null),
      "old", key("old", OLD, NOW)));

  @Test
  void resolvesByHash() {
    assertFalse(ring.open());
    assertEquals("alice", ring.authenticate(ALICE, NOW).name());
    assertEquals("alice", ring.authenticate(" " + ALICE + " ", NOW).name());
  }

  @Test
  void missingUnknownAndExpiredAreUnauthorizedAndSaySo() {
    GatewayException missing = assertThrows(GatewayException.class, () -> ring.authenticate(null, NOW));
    assertEquals(ErrorKind.UNAUTHORIZED, missing.kind());
    assertTrue(missing.getMessage().startsWith("no API key"), missing.getMessage());
    GatewayException unknown = assertThrows(GatewayException.class, () -> ring.authenticate("sk-guess-123", NOW));
    assertEquals("invalid API key", unknown.getMessage());
    GatewayException expired = assertThrows(GatewayException.class, () -> ring.authenticate(OLD, NOW));
    assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
    assertFalse(expired.getMessage().contains(OLD), "never repeats the key");
    assertEquals("old", ring.authenticate(OLD, NOW.minusSeconds(1)).name(), "valid until its expiry");
  }

  @Test
  void noKeysIsOpen() {
    KeyRing open = KeyRing.of(Map.of());
    assertTrue(open.open());
    assertNull(open.authenticate(null, NOW));
    assertNull(open.authenticate("anything", NOW));
  }
}
