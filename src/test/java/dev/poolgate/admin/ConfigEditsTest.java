package dev.poolgate.admin;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edits and the redaction as plain functions over a document, without a server. */
class ConfigEditsTest {

  private static JsonObject doc() {
    return new JsonObject()
        .put("pools", new JsonObject()
            .put("big", new JsonObject().put("fallback", "small").put("lend_to", new JsonArray().add("other"))
                .put("instances", new JsonArray()
                    .add(new JsonObject().put("id", "b1").put("api_key", "sk-b1").put("weight", 1))
                    .add(new JsonObject().put("id", "b2").put("api_key", "${B2_KEY}")
                        .put("headers", new JsonObject().put("Authorization", "Bearer xyz").put("X-Org", "o")))))
            .put("small", new JsonObject().put("instances", new JsonArray().add(new JsonObject().put("id", "s1"))))
            .put("other", new JsonObject().put("instances", new JsonArray().add(new JsonObject().put("id", "o1")))))
        .put("models", new JsonObject().put("m", new JsonObject().put("pool", "other").put("cache", new JsonObject())))
        .put("keys", new JsonObject().put("k", new JsonObject().put("key_sha256", "ab").put("models",
            new JsonArray().add("small"))))
        .put("admin", new JsonObject().put("token", "literal-admin-token"))
        .put("default_pool", "big");
  }

  private static ErrorKind kindOf(Runnable r) {
    return assertThrows(GatewayException.class, r::run).kind();
  }

  @Test
  void deletingAReferencedPoolNamesEveryReference() {
    GatewayException small = assertThrows(GatewayException.class, () -> ConfigEdits.deletePool(doc(), "small"));
    assertEquals(ErrorKind.CONFLICT, small.kind());
    assertTrue(small.getMessage().contains("pools.big.fallback") && small.getMessage().contains("keys.k.models"),
        small.getMessage());
    GatewayException other = assertThrows(GatewayException.class, () -> ConfigEdits.deletePool(doc(), "other"));
    assertTrue(other.getMessage().contains("models.m") && other.getMessage().contains("pools.big.lend_to"),
        other.getMessage());
    assertTrue(assertThrows(GatewayException.class, () -> ConfigEdits.deletePool(doc(), "big")).getMessage()
        .contains("default_pool"));
    assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> ConfigEdits.deletePool(doc(), "ghost")));
    JsonObject d = doc().put("default_pool", "small");
    d.getJsonObject("pools").getJsonObject("big").remove("fallback");
    d.getJsonObject("keys").clear();
    assertFalse(ConfigEdits.deletePool(d, "big").getJsonObject("pools").containsKey("big"));
  }

  @Test
  void mergePatchMergesObjectsRemovesNullsReplacesTheRest() {
    JsonObject target = new JsonObject().put("a", 1).put("q", new JsonObject().put("x", 1).put("y", 2))
        .put("list", new JsonArray().add(1));
    JsonObject patched = ConfigEdits.mergePatch(target, new JsonObject().putNull("a")
        .put("q", new JsonObject().put("y", 3).putNull("x")).put("list", new JsonArray().add(2)));
    assertEquals(new JsonObject().put("q", new JsonObject().put("y", 3)).put("list", new JsonArray().add(2)), patched);
    assertEquals(1, target.getInteger("a"), "the target is not changed");
  }

  @Test
  void instancesAreAddressedByIdAndUniqueAcrossPools() {
    assertEquals(ErrorKind.CONFLICT, kindOf(() -> ConfigEdits.addInstance(doc(), "small", new JsonObject().put("id", "b1"))));
    JsonObject d = ConfigEdits.patchInstance(doc(), "big", "b1", new JsonObject().put("weight", 4).putNull("api_key"));
    JsonObject b1 = ConfigEdits.instance(d, "big", "b1");
    assertEquals(4, b1.getInteger("weight"));
    assertFalse(b1.containsKey("api_key"));
    assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> ConfigEdits.instance(doc(), "small", "b1")));
    assertEquals(1, ConfigEdits.removeInstance(doc(), "big", "b1").getJsonObject("pools").getJsonObject("big")
        .getJsonArray("instances").size());
  }

  @Test
  void modelsStayInTheShortFormWhenTheyOnlyNameAPool() {
    JsonObject d = ConfigEdits.createModel(doc(), new JsonObject().put("name", "fast").put("pool", "small"));
    assertEquals("small", d.getJsonObject("models").getValue("fast"));
    d = ConfigEdits.patchModel(d, "m", new JsonObject().putNull("cache"));
    assertEquals("other", d.getJsonObject("models").getValue("m"));
    assertEquals(ErrorKind.CONFLICT, kindOf(() -> ConfigEdits.createModel(doc(), new JsonObject().put("name", "m"))));
  }

  @Test
  void keyUpdatesKeepTheKeyAndNeverTakeKeyMaterial() {
    JsonObject d = ConfigEdits.replaceKey(doc(), "k", new JsonObject().put("max_rps", 3));
    assertEquals(new JsonObject().put("max_rps", 3).put("key_sha256", "ab"), d.getJsonObject("keys").getJsonObject("k"));
    assertEquals(ErrorKind.BAD_REQUEST, kindOf(() -> ConfigEdits.patchKey(doc(), "k", new JsonObject().put("key_sha256", "cd"))));
    assertEquals(new JsonObject().put("name", "k").put("max_rps", 3),
        ConfigEdits.publicKey("k", d.getJsonObject("keys").getJsonObject("k")));
  }

  @Test
  void redactionHidesLiteralsKeepsReferencesAndRestoresById() {
    JsonObject redacted = Redaction.redact(doc());
    String text = redacted.encode();
    assertFalse(text.contains("sk-b1") || text.contains("Bearer xyz") || text.contains("literal-admin-token"), text);
    assertTrue(text.contains("${B2_KEY}") && text.contains("\"X-Org\":\"o\""), text);

    // sent back in another order: the marker takes the current value of the instance with that id
    JsonObject back = redacted.copy();
    JsonArray list = back.getJsonObject("pools").getJsonObject("big").getJsonArray("instances");
    JsonObject first = list.getJsonObject(0);
    list.set(0, list.getJsonObject(1));
    list.set(1, first);
    JsonObject restored = Redaction.restore(back, doc());
    assertEquals("sk-b1", ConfigEdits.instance(restored, "big", "b1").getString("api_key"));
    assertEquals("Bearer xyz", ConfigEdits.instance(restored, "big", "b2").getJsonObject("headers").getString("Authorization"));
    assertEquals("literal-admin-token", restored.getJsonObject("admin").getString("token"));

    JsonObject unknown = redacted.copy();
    unknown.getJsonObject("pools").getJsonObject("big").getJsonArray("instances").getJsonObject(0).put("id", "new");
    ConfigException e = assertThrows(ConfigException.class, () -> Redaction.restore(unknown, doc()));
    assertEquals("pools.big.instances[0].api_key", e.key());
  }
}
