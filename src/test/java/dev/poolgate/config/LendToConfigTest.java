package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pools.NAME.lend_to}: known pools, not itself, each once; carried to the ledger's specs. */
class LendToConfigTest {

  private static JsonObject config(Object largeLendsTo) {
    JsonObject large = new JsonObject().put("instances", new JsonArray()
        .add(new JsonObject().put("id", "l1").put("provider", "mock").put("max_concurrency", 2)));
    if (largeLendsTo != null) {
      large.put("lend_to", largeLendsTo);
    }
    return new JsonObject().put("pools", new JsonObject()
        .put("large", large)
        .put("small", new JsonObject().put("instances", new JsonArray()
            .add(new JsonObject().put("id", "s1").put("provider", "mock").put("max_concurrency", 1))))
        .put("tiny", new JsonObject().put("instances", new JsonArray()
            .add(new JsonObject().put("id", "t1").put("provider", "mock").put("max_concurrency", 1)))));
  }

  private static void assertRejected(Object lendTo, String key, String problem) {
    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromJson(config(lendTo)));
    assertTrue(e.getMessage().startsWith(key + ": ") && e.getMessage().contains(problem), e.getMessage());
  }

  @Test
  void lendToReachesTheLedgerSpecsAndNamesTheLenders() {
    GatewayConfig cfg = GatewayConfig.fromJson(config(new JsonArray().add("small").add("tiny")));
    assertEquals(List.of("small", "tiny"), cfg.pools().get("large").lendTo());
    assertEquals(List.of("small", "tiny"), cfg.poolSpecs().get(0).lendTo());
    assertEquals(List.of(), cfg.pools().get("small").lendTo(), "lends to nobody by default");
    assertEquals(List.of("large"), cfg.lendersTo("small"));
    assertEquals(List.of(), cfg.lendersTo("large"));
  }

  @Test
  void badLendToIsRejectedNamingTheKey() {
    assertRejected(new JsonArray().add("huge"), "pools.large.lend_to[0]", "unknown pool 'huge'");
    assertRejected(new JsonArray().add("small").add("large"), "pools.large.lend_to[1]", "cannot lend to itself");
    assertRejected(new JsonArray().add("small").add("small"), "pools.large.lend_to[1]", "listed twice");
    assertRejected(new JsonArray().add(3), "pools.large.lend_to[0]", "must be a pool name");
    assertRejected("small", "pools.large.lend_to", "must be a list");
  }
}
