package dev.poolgate.admin;

import dev.poolgate.config.ClientKeyConfig;
import dev.poolgate.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static dev.poolgate.admin.AdminClient.ENV;
import static dev.poolgate.admin.AdminClient.config;
import static dev.poolgate.admin.AdminClient.mock;
import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API of one node: every resource, its errors, the token, secrets, export and import. */
@ExtendWith(VertxExtension.class)
class AdminApiTest {
  private AdminClient node;

  private AdminClient start(Vertx vertx, JsonObject config) {
    node = AdminClient.start(vertx, config, new LocalConfigStore(), ENV);
    return node;
  }

  @AfterEach
  void stop() {
    if (node != null) {
      await(node.close());
    }
  }

  private static void assertError(AdminClient.Reply r, int status, String code, String inMessage) {
    assertEquals(status, r.status(), r.text());
    assertEquals(code, r.errorCode(), r.text());
    assertNotNull(r.json().getJsonObject("error").getString("type"));
    assertTrue(r.errorMessage().contains(inMessage), "message mentions '" + inMessage + "': " + r.errorMessage());
  }

  @Test
  void adminOffIsNotFound(Vertx vertx) {
    JsonObject cfg = config();
    cfg.remove("admin");
    AdminClient n = start(vertx, cfg);
    assertError(n.get("/admin/pools"), 404, "not_found", "admin API is off");
    assertError(n.post("/admin/pools", new JsonObject().put("name", "x")), 404, "not_found", "admin API is off");
  }

  @Test
  void missingOrWrongTokenIsUnauthorizedAndChangesNothing(Vertx vertx) {
    AdminClient n = start(vertx, config());
    JsonObject pool = new JsonObject().put("name", "r").put("instances", new JsonArray().add(mock("r1", 1)));
    assertError(n.call(HttpMethod.POST, "/admin/pools", pool, Map.of()), 401, "invalid_api_key", "needs the admin token");
    assertError(n.call(HttpMethod.POST, "/admin/pools", pool, Map.of("authorization", "Bearer wrong-token-0123456789")),
        401, "invalid_api_key", "wrong admin token");
    assertError(n.call(HttpMethod.DELETE, "/admin/pools/q", null, Map.of("x-admin-token", AdminClient.TOKEN + "x")),
        401, "invalid_api_key", "wrong admin token");
    assertError(n.call(HttpMethod.GET, "/admin/nowhere", null, Map.of()), 401, "invalid_api_key", "admin token");
    assertEquals(0, n.admin().version(), "nothing was stored");
    assertError(n.get("/admin/pools/r"), 404, "not_found", "no pool 'r'");
    assertEquals(200, n.get("/admin/pools/q").status());
    assertEquals(200, n.call(HttpMethod.GET, "/admin/pools/q", null, Map.of("x-admin-token", AdminClient.TOKEN)).status());
  }

  @Test
  void pools(Vertx vertx) {
    AdminClient n = start(vertx, config());
    JsonObject r = new JsonObject().put("name", "r").put("queue", new JsonObject().put("max_size", 5))
        .put("instances", new JsonArray().add(mock("r1", 1)));
    AdminClient.Reply created = n.post("/admin/pools", r);
    assertEquals(201, created.status(), created.text());
    assertEquals("r", created.json().getString("name"));
    assertEquals(1, created.version());
    assertEquals(200, n.chat("r").status(), "the new pool serves at once (its name is a model)");
    assertError(n.post("/admin/pools", r), 409, "conflict", "pool 'r' exists");

    AdminClient.Reply list = n.get("/admin/pools");
    assertEquals(3, list.json().getJsonArray("data").size());

    AdminClient.Reply patched = n.patch("/admin/pools/r", new JsonObject().put("queue", new JsonObject().put("max_size", 9)));
    assertEquals(200, patched.status(), patched.text());
    assertEquals(9, patched.json().getJsonObject("queue").getInteger("max_size"));
    assertEquals(9, n.admin().config().pools().get("r").queue().maxSize());

    AdminClient.Reply replaced = n.put("/admin/pools/r", new JsonObject().put("strategy", "round_robin")
        .put("instances", new JsonArray().add(mock("r1", 3))));
    assertEquals(200, replaced.status(), replaced.text());
    assertFalse(replaced.json().containsKey("queue"), "PUT replaces the whole pool");

    assertError(n.patch("/admin/pools/r", new JsonObject().put("strategy", "nope")), 400, "invalid_config",
        "pools.r.strategy");
    assertError(n.patch("/admin/pools/r", new JsonObject().put("fallback", "ghost")), 400, "invalid_config",
        "pools.r.fallback");
    assertError(n.get("/admin/pools/ghost"), 404, "not_found", "ghost");
    assertError(n.put("/admin/pools/ghost", r), 404, "not_found", "ghost");
    assertError(n.delete("/admin/pools/ghost"), 404, "not_found", "ghost");
    assertError(n.post("/admin/pools", new JsonObject().put("instances", new JsonArray())), 400, "invalid_request",
        "'name'");

    assertError(n.delete("/admin/pools/p"), 409, "conflict", "models.gpt-test");
    assertEquals(200, n.patch("/admin/pools/q", new JsonObject().put("fallback", "r")).status());
    assertError(n.delete("/admin/pools/r"), 409, "conflict", "pools.q.fallback");
    assertEquals(200, n.patch("/admin/pools/q", new JsonObject().putNull("fallback")).status());
    long before = n.admin().version();
    AdminClient.Reply deleted = n.delete("/admin/pools/r");
    assertEquals(204, deleted.status(), deleted.text());
    assertEquals(before + 1, deleted.version());
    assertError(n.get("/admin/pools/r"), 404, "not_found", "no pool 'r'");
    assertFalse(n.admin().config().pools().containsKey("r"));
  }

  @Test
  void instances(Vertx vertx) {
    AdminClient n = start(vertx, config());
    AdminClient.Reply added = n.post("/admin/pools/q/instances", mock("q2", 1));
    assertEquals(201, added.status(), added.text());
    Await.until("the ledger has q2", () -> n.instance("q", "q2") != null);
    assertError(n.post("/admin/pools/q/instances", mock("m1", 1)), 409, "conflict", "instance 'm1' exists");
    assertError(n.post("/admin/pools/ghost/instances", mock("z", 1)), 404, "not_found", "ghost");

    AdminClient.Reply patched = n.patch("/admin/pools/q/instances/q2",
        new JsonObject().put("weight", 7).put("max_concurrency", 4));
    assertEquals(200, patched.status(), patched.text());
    assertEquals(7, patched.json().getInteger("weight"));
    Await.until("the ledger took weight 7 and cap 4", () -> {
      var s = n.instance("q", "q2");
      return s.weight() == 7 && s.maxConcurrency() == 4;
    });
    assertError(n.patch("/admin/pools/q/instances/q2", new JsonObject().put("max_concurrency", 0)), 400,
        "invalid_config", "pools.q.instances[1].max_concurrency");
    assertError(n.patch("/admin/pools/q/instances/q2", new JsonObject().put("id", "other")), 400, "invalid_request",
        "differs");

    AdminClient.Reply list = n.get("/admin/pools/q/instances");
    assertEquals(2, list.json().getJsonArray("data").size());
    assertEquals(200, n.put("/admin/pools/q/instances/q2", mock("q2", 2).put("weight", 3)).status());
    assertEquals(3, n.get("/admin/pools/q/instances/q2").json().getInteger("weight"));

    assertEquals(204, n.delete("/admin/pools/q/instances/q2").status());
    assertError(n.get("/admin/pools/q/instances/q2"), 404, "not_found", "q/q2");
    assertError(n.delete("/admin/pools/q/instances/q2"), 404, "not_found", "q/q2");
    assertError(n.delete("/admin/pools/q/instances/q1"), 400, "invalid_config", "pools.q.instances");
  }

  @Test
  void models(Vertx vertx) {
    AdminClient n = start(vertx, config());
    assertEquals(404, n.chat("fast").status());
    AdminClient.Reply created = n.post("/admin/models", new JsonObject().put("name", "fast").put("pool", "q"));
    assertEquals(201, created.status(), created.text());
    assertEquals("q", created.json().getString("pool"));
    Await.until("the alias serves", () -> n.chat("fast").status() == 200);
    assertEquals("q", n.admin().document().config().getJsonObject("models").getValue("fast"),
        "stored in the short form, as a file would have it");
    assertError(n.post("/admin/models", new JsonObject().put("name", "fast").put("pool", "q")), 409, "conflict", "fast");
    assertError(n.post("/admin/models", new JsonObject().put("name", "bad").put("pool", "ghost")), 400,
        "invalid_config", "models.bad");
    assertEquals(200, n.patch("/admin/models/fast", new JsonObject().put("pool", "p")).status());
    assertEquals("p", n.get("/admin/models/fast").json().getString("pool"));
    assertEquals(2, n.get("/admin/models").json().getJsonArray("data").size());
    assertEquals(200, n.put("/admin/models/fast", new JsonObject().put("pool", "q")
        .put("cache", new JsonObject().put("ttl_s", 10))).status());
    assertEquals(10, n.get("/admin/models/fast").json().getJsonObject("cache").getInteger("ttl_s"));

    n.post("/admin/keys", new JsonObject().put("name", "k").put("models", new JsonArray().add("fast")));
    assertError(n.delete("/admin/models/fast"), 409, "conflict", "keys.k.models");
    assertEquals(204, n.delete("/admin/keys/k").status());
    assertEquals(204, n.delete("/admin/models/fast").status());
    assertError(n.get("/admin/models/fast"), 404, "not_found", "fast");

    // names with a slash, as many model names have, are addressed URL-encoded
    assertEquals(201, n.post("/admin/models", new JsonObject().put("name", "org/model-1").put("pool", "q")).status());
    assertEquals("q", n.get("/admin/models/org%2Fmodel-1").json().getString("pool"));
    assertEquals(204, n.delete("/admin/models/org%2Fmodel-1").status());
    Await.until("the alias is gone", () -> n.chat("fast").status() == 404);
  }

  @Test
  void keysAreShownOnceAndStoredAsTheirHash(Vertx vertx) {
    AdminClient n = start(vertx, config());
    AdminClient.Reply created = n.post("/admin/keys", new JsonObject().put("name", "team-a")
        .put("models", new JsonArray().add("gpt-test")).put("max_rps", 5).put("default_priority", 2));
    assertEquals(201, created.status(), created.text());
    String key = created.json().getString("key");
    assertTrue(key.matches("pg-[A-Za-z0-9_-]{32}"), key);
    assertFalse(created.json().containsKey("key_sha256"));
    JsonObject stored = n.admin().document().config().getJsonObject("keys").getJsonObject("team-a");
    assertEquals(ClientKeyConfig.sha256(key), stored.getString("key_sha256"));
    assertFalse(stored.containsKey("key"), "the key itself is stored nowhere");
    assertEquals(ClientKeyConfig.sha256(key), n.admin().config().keys().get("team-a").sha256());

    AdminClient.Reply read = n.get("/admin/keys/team-a");
    assertEquals(200, read.status());
    assertFalse(read.text().contains(key) || read.text().contains(ClientKeyConfig.sha256(key)), read.text());
    assertEquals(5, read.json().getInteger("max_rps"));
    AdminClient.Reply list = n.get("/admin/keys");
    assertFalse(list.text().contains("key_sha256") || list.text().contains(key), list.text());

    AdminClient.Reply patched = n.patch("/admin/keys/team-a", new JsonObject().put("max_priority", 7)
        .put("expires_at", "2099-01-01T00:00:00Z"));
    assertEquals(200, patched.status(), patched.text());
    assertEquals(7, n.admin().config().keys().get("team-a").maxPriority());
    assertEquals(ClientKeyConfig.sha256(key), n.admin().config().keys().get("team-a").sha256(), "the key stays");
    assertEquals(200, n.put("/admin/keys/team-a", new JsonObject().put("max_concurrency", 3)).status());
    assertEquals(3, n.admin().config().keys().get("team-a").maxConcurrency());
    assertEquals(ClientKeyConfig.sha256(key), n.admin().config().keys().get("team-a").sha256(), "PUT keeps the key");

    assertError(n.patch("/admin/keys/team-a", new JsonObject().put("key", "another-key-0123456789")), 400,
        "invalid_request", "cannot be changed");
    assertError(n.patch("/admin/keys/team-a", new JsonObject().put("default_priority", 5).put("max_priority", 1)), 400, "invalid_config",
        "keys.team-a.max_priority");
    assertError(n.post("/admin/keys", new JsonObject().put("name", "team-a")), 409, "conflict", "team-a");
    assertError(n.post("/admin/keys", new JsonObject().put("name", "short").put("key", "abc")), 400, "invalid_config",
        "keys.short.key");
    assertError(n.post("/admin/keys", new JsonObject().put("name", "b").put("models", new JsonArray().add("ghost"))),
        400, "invalid_config", "keys.b.models");

    AdminClient.Reply given = n.post("/admin/keys", new JsonObject().put("name", "given").put("key", "my-own-key-0123456789"));
    assertEquals("my-own-key-0123456789", given.json().getString("key"));
    assertEquals(ClientKeyConfig.sha256("my-own-key-0123456789"), n.admin().config().keys().get("given").sha256());
    assertError(n.post("/admin/keys", new JsonObject().put("name", "again").put("key", "my-own-key-0123456789")), 400,
        "invalid_config", "the same key as keys.given");

    assertEquals(204, n.delete("/admin/keys/team-a").status());
    assertError(n.get("/admin/keys/team-a"), 404, "not_found", "team-a");
    assertFalse(n.admin().config().keys().containsKey("team-a"));
  }

  @Test
  void aKeyCreatedThroughTheAdminApiOpensTheGatewayToItsHolderOnly(Vertx vertx) {
    AdminClient n = start(vertx, config());
    assertEquals(200, n.chat("q").status(), "no keys yet: the gateway is open");

    String key = n.post("/admin/keys", new JsonObject().put("name", "team-q")
        .put("models", new JsonArray().add("q"))).json().getString("key");

    Await.until("the key applies", () -> n.chat("q").status() == 401);
    JsonObject body = new JsonObject().put("model", "q")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    AdminClient.Reply withKey = n.call(io.vertx.core.http.HttpMethod.POST, "/v1/chat/completions", body,
        java.util.Map.of("authorization", "Bearer " + key));
    assertEquals(200, withKey.status(), withKey.text());
    AdminClient.Reply otherModel = n.call(io.vertx.core.http.HttpMethod.POST, "/v1/chat/completions",
        body.copy().put("model", "gpt-test"), java.util.Map.of("x-api-key", key));
    assertError(otherModel, 403, "model_not_allowed", "gpt-test");
    assertError(n.call(io.vertx.core.http.HttpMethod.POST, "/v1/chat/completions", body,
        java.util.Map.of("authorization", "Bearer " + key + "x")), 401, "invalid_api_key", "");

    assertEquals(204, n.delete("/admin/keys/team-q").status());
    Await.until("no keys again: open", () -> n.chat("q").status() == 200);
  }

  @Test
  void secretsNeverLeaveAndExportImportRoundTrips(Vertx vertx) {
    AdminClient n = start(vertx, config());
    JsonObject original = n.admin().document().config();
    AdminClient.Reply yaml = n.get("/admin/config");
    assertEquals(200, yaml.status());
    assertTrue(yaml.headers().get("content-type").startsWith("application/yaml"));
    String text = yaml.text();
    assertTrue(text.contains("${TEST_UPSTREAM_KEY}"), "references export as they are:\n" + text);
    assertTrue(text.contains(Redaction.MARKER), text);
    assertTrue(text.contains("visible"), "an ordinary header stays");
    for (String secret : new String[] {"sk-literal-secret-value", "hdr-secret-value", "sk-from-env-secret", AdminClient.TOKEN}) {
      assertFalse(text.contains(secret), "export leaks " + secret);
      for (String path : new String[] {"/admin/pools", "/admin/pools/p", "/admin/pools/p/instances",
          "/admin/pools/p/instances/o1"}) {
        assertFalse(n.get(path).text().contains(secret), path + " leaks " + secret);
      }
    }
    AdminClient.Reply json = n.call(HttpMethod.GET, "/admin/config", null,
        Map.of("authorization", "Bearer " + AdminClient.TOKEN, "accept", "application/json"));
    assertEquals(Redaction.MARKER, json.json().getJsonObject("pools").getJsonObject("p").getJsonArray("instances")
        .getJsonObject(2).getString("api_key"));

    AdminClient.Reply imported = n.put("/admin/config", text);
    assertEquals(200, imported.status(), imported.text());
    assertEquals(1, imported.json().getLong("version"));
    assertEquals(original, n.admin().document().config(), "export then import gives the identical configuration");
    assertEquals("sk-literal-secret-value", n.admin().config().instances().get("o1").apiKey());
    assertEquals("sk-from-env-secret", n.admin().config().instances().get("o2").apiKey());
    AdminClient.Reply again = n.call(HttpMethod.GET, "/admin/config", null,
        Map.of("authorization", "Bearer " + AdminClient.TOKEN, "accept", "application/json"));
    assertEquals(json.json(), again.json(), "and exports the same again");
    String second = n.get("/admin/config").text();
    assertEquals(200, n.put("/admin/config", second).status());
    assertEquals(second, n.get("/admin/config").text(), "an admin document exports the same text again");

    // the marker also works through an instance PUT: the current key is kept
    AdminClient.Reply o1 = n.get("/admin/pools/p/instances/o1");
    assertEquals(200, n.put("/admin/pools/p/instances/o1", o1.json().put("weight", 4)).status());
    assertEquals("sk-literal-secret-value", n.admin().config().instances().get("o1").apiKey());
    assertEquals(4, n.admin().config().instances().get("o1").weight());
  }

  @Test
  void aRestoreSentAsAFormIs415NamingTheTypeItTakes(Vertx vertx) {
    AdminClient n = start(vertx, config());
    String yaml = n.get("/admin/config").text();
    // curl --data-binary without a content type sends a form: larger than a form field may be
    AdminClient.Reply form = n.call(HttpMethod.PUT, "/admin/config", yaml + "#" + "x".repeat(10_000) + "\n",
        Map.of("authorization", "Bearer " + AdminClient.TOKEN, "content-type", "application/x-www-form-urlencoded"));
    assertError(form, 415, "unsupported_media_type", "application/yaml");
    assertError(n.call(HttpMethod.POST, "/admin/models", "name=fast&pool=q", Map.of("authorization",
        "Bearer " + AdminClient.TOKEN, "content-type", "application/x-www-form-urlencoded")), 415,
        "unsupported_media_type", "application/json");
    AdminClient.Reply restored = n.call(HttpMethod.PUT, "/admin/config", yaml,
        Map.of("authorization", "Bearer " + AdminClient.TOKEN, "content-type", "application/yaml"));
    assertEquals(200, restored.status(), restored.text());
  }

  @Test
  void importIsValidatedWholeAndAnInvalidOneChangesNothing(Vertx vertx) {
    AdminClient n = start(vertx, config());
    String yaml = n.get("/admin/config").text();
    assertError(n.put("/admin/config", yaml.replace("max_size: 100", "max_size: -1")), 400, "invalid_config",
        "pools.p.queue.max_size");
    assertError(n.put("/admin/config", "pools: [unclosed"), 400, "invalid_request", "not valid YAML");
    assertError(n.put("/admin/config", yaml.replace("id: o1", "id: o9")), 400, "invalid_config",
        "pools.p.instances[2].api_key");
    assertEquals(0, n.admin().version(), "nothing stored");

    JsonObject json = n.call(HttpMethod.GET, "/admin/config", null, Map.of("authorization",
        "Bearer " + AdminClient.TOKEN, "accept", "application/json")).json();
    json.getJsonObject("pools").remove("q");
    AdminClient.Reply imported = n.put("/admin/config", json);
    assertEquals(200, imported.status(), imported.text());
    assertNull(n.admin().config().pools().get("q"), "a JSON import replaces the whole configuration");
  }

  @Test
  void knownAdminPathWithAnotherMethodIs405WithAllow(Vertx vertx) {
    AdminClient n = start(vertx, config());
    AdminClient.Reply config = n.delete("/admin/config");
    assertError(config, 405, "method_not_allowed", "DELETE is not allowed on /admin/config");
    assertEquals("GET, PUT", config.headers().get("allow"));
    AdminClient.Reply pools = n.patch("/admin/pools", new JsonObject());
    assertEquals(405, pools.status(), pools.text());
    assertEquals("GET, POST", pools.headers().get("allow"));
    AdminClient.Reply instance = n.post("/admin/pools/q/instances/q1", new JsonObject());
    assertEquals(405, instance.status(), instance.text());
    assertEquals("DELETE, GET, PATCH, PUT", instance.headers().get("allow"));
    assertError(n.get("/admin/nothing-here"), 404, "not_found", "no route");
  }
}
