package dev.poolgate.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.testing.Await;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client keys end to end: the headers they come in, 401 / 403 / 429 in the client's error shape,
 * the priorities a key may use, its limits (nothing leaks after a refusal and other keys are
 * served meanwhile), the open gateway, the access log and metrics, and keys changed by a reload.
 */
class ClientKeysTest extends GatewayTestBase {
  private static final String ALICE = "sk-alice-0123456789";
  private static final String BOB = "sk-bob-0123456789ab";
  private static final String OLD = "sk-old-0123456789ab";
  private static final String BURST = "sk-burst-0123456789";
  private static final String GREEDY = "sk-greedy-0123456789";
  private static final String SOLO = "sk-solo-0123456789a";
  private static final String CAROL = "sk-carol-0123456789";

  private FakeOpenAi a;
  private FakeOpenAi b;

  /** Pool p (model gpt-test) on fake a with cap {@code capA}, pool q (model other) on fake b. */
  private JsonObject config(int capA, JsonObject keys) {
    a = a == null ? fake() : a;
    b = b == null ? fake() : b;
    JsonObject cfg = GatewayFixture.config(new JsonObject()
            .put("p", pool(instance("a1", a, capA)))
            .put("q", pool(instance("b1", b, 4))))
        .put("models", new JsonObject().put("gpt-test", "p").put("other", "q"));
    if (keys != null) {
      cfg.put("keys", keys);
    }
    return cfg;
  }

  private static JsonObject keys() {
    return new JsonObject()
        .put("alice", new JsonObject().put("key", ALICE).put("models", new JsonArray().add("gpt-test"))
            .put("default_priority", 2).put("max_priority", 5))
        .put("bob", new JsonObject().put("key", BOB))
        .put("old", new JsonObject().put("key", OLD).put("expires_at", "2020-01-01T00:00:00Z"))
        .put("burst", new JsonObject().put("key", BURST).put("max_rps", 2))
        .put("greedy", new JsonObject().put("key", GREEDY).put("max_tpm", 5))
        .put("solo", new JsonObject().put("key", SOLO).put("max_concurrency", 1));
  }

  private static Map<String, String> bearer(String key) {
    return Map.of("content-type", "application/json", "authorization", "Bearer " + key);
  }

  private static Map<String, String> headers(String... pairs) {
    Map<String, String> h = new HashMap<>(Map.of("content-type", "application/json"));
    for (int i = 0; i < pairs.length; i += 2) {
      h.put(pairs[i], pairs[i + 1]);
    }
    return h;
  }

  private Future<Reply> chatAs(String key, JsonObject body) {
    return gw.post("/v1/chat/completions", body.toBuffer(), bearer(key));
  }

  private Reply get(String path, Map<String, String> headers) {
    var request = io.vertx.ext.web.client.WebClient.wrap(gw.client())
        .request(HttpMethod.GET, gw.port(), "127.0.0.1", path).timeout(10_000);
    headers.forEach(request::putHeader);
    return await(request.send().map(r -> new Reply(r.statusCode(), r.headers(),
        r.body() == null ? Buffer.buffer() : r.body())));
  }

  private static void assertOpenAiError(Reply r, int status, String type, String code) {
    assertEquals(status, r.status(), r.text());
    JsonObject error = r.json().getJsonObject("error");
    assertNotNull(error, r.text());
    assertEquals(type, error.getString("type"), r.text());
    assertEquals(code, error.getString("code"), r.text());
    assertNotNull(error.getString("message"));
  }

  /** /health/detailed says no slot is held and nothing waits, and no permit of the key is left. */
  private void assertNothingHeld(String... keyNames) {
    Await.until("/health/detailed shows 0 in flight and 0 queued", () -> {
      JsonObject health = get("/health/detailed", Map.of()).json();
      return health.getJsonArray("pools").stream().map(JsonObject.class::cast)
          .allMatch(p -> p.getInteger("in_flight") == 0 && p.getInteger("queued") == 0);
    });
    for (String name : keyNames) {
      Await.until("no permit of " + name + " held",
          () -> await(gw.gateway().node().keyLimiter().inFlight(name)) == 0);
    }
  }

  // ------------------------------------------------------------------ authentication

  @Test
  void everyClientHeaderIsAccepted() {
    gateway(config(4, keys()));
    assertEquals(200, await(chatAs(ALICE, chat("bearer"))).status());
    assertEquals(200, await(gw.post("/v1/chat/completions", chat("x").toBuffer(), headers("x-api-key", ALICE)))
        .status());
    Reply azure = await(gw.post("/openai/deployments/gpt-test/chat/completions?api-version=2024-06-01",
        chat("azure").toBuffer(), headers("api-key", ALICE)));
    assertEquals(200, azure.status(), azure.text());
    JsonObject messages = new JsonObject().put("model", "gpt-test").put("max_tokens", 64)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Reply anthropic = await(gw.post("/v1/messages", messages.toBuffer(),
        headers("x-api-key", ALICE, "anthropic-version", "2023-06-01")));
    assertEquals(200, anthropic.status(), anthropic.text());
    Reply responses = await(gw.post("/v1/responses", new JsonObject().put("model", "gpt-test").put("input", "hi")
        .toBuffer(), bearer(ALICE)));
    assertEquals(200, responses.status(), responses.text());
    assertEquals("response", responses.json().getString("object"));
    Reply llm = await(gw.post("/llm/chat", new JsonObject().put("messages", chat("llm").getJsonArray("messages"))
        .toBuffer(), bearer(BOB)));
    assertEquals(200, llm.status(), llm.text());
    assertOpenAiError(await(gw.post("/v1/chat/completions", chat("azure header elsewhere").toBuffer(),
        headers("api-key", ALICE))), 401, "authentication_error", "invalid_api_key");
  }

  @Test
  void missingUnknownOrExpiredKeysAre401AndSayWhich() {
    gateway(config(4, keys()));
    Reply missing = await(gw.post(chat("no key")));
    assertOpenAiError(missing, 401, "authentication_error", "invalid_api_key");
    assertTrue(missing.json().getJsonObject("error").getString("message").startsWith("no API key"), missing.text());
    Reply unknown = await(chatAs("sk-guessed-0123456789", chat("guess")));
    assertOpenAiError(unknown, 401, "authentication_error", "invalid_api_key");
    assertEquals("invalid API key", unknown.json().getJsonObject("error").getString("message"));
    assertFalse(unknown.text().contains("sk-guessed"), "the key is never echoed");
    Reply expired = await(chatAs(OLD, chat("old")));
    assertOpenAiError(expired, 401, "authentication_error", "invalid_api_key");
    assertTrue(expired.json().getJsonObject("error").getString("message").contains("expired"), expired.text());
    assertFalse(expired.text().contains(OLD));

    JsonObject messages = new JsonObject().put("model", "gpt-test").put("max_tokens", 64)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Reply anthropic = await(gw.post("/v1/messages", messages.toBuffer(), headers("anthropic-version", "2023-06-01")));
    assertEquals(401, anthropic.status());
    assertEquals("error", anthropic.json().getString("type"), anthropic.text());
    assertEquals("authentication_error", anthropic.json().getJsonObject("error").getString("type"));

    // the key is checked before the body is read: an oversized body without a key is a 401, not a 413
    Buffer big = Buffer.buffer(new byte[2 * 1_048_576]);
    assertEquals(401, await(gw.post("/v1/chat/completions", big, headers())).status());
    assertOpenAiError(get("/v1/models", Map.of()), 401, "authentication_error", "invalid_api_key");
    assertEquals(200, await(chatAs(BOB, chat("the connection pool still works"))).status());

    // ops endpoints stay open
    assertEquals(200, get("/health", Map.of()).status());
    assertEquals(200, get("/health/detailed", Map.of()).status());
    assertEquals(200, get("/metrics", Map.of()).status());
    assertEquals(1, a.requests() + b.requests(), "only the authenticated request reached an upstream");
  }

  // ------------------------------------------------------------------ what a key allows

  @Test
  void aModelTheKeyMayNotUseIs403AndUnlisted() {
    gateway(config(4, keys()));
    Reply other = await(chatAs(ALICE, chat("x").put("model", "other")));
    assertOpenAiError(other, 403, "permission_error", "model_not_allowed");
    assertTrue(other.json().getJsonObject("error").getString("message").contains("'other'"), other.text());
    JsonArray aliceModels = get("/v1/models", bearer(ALICE)).json().getJsonArray("data");
    assertEquals(List.of("gpt-test"), aliceModels.stream().map(m -> ((JsonObject) m).getString("id")).toList());
    assertEquals(new JsonArray().add("gpt-test"), get("/llm/models", bearer(ALICE)).json().getJsonArray("models"));
    assertEquals(4, get("/v1/models", bearer(BOB)).json().getJsonArray("data").size(), "gpt-test, other, p, q");
    assertEquals(0, b.requests());
  }

  @Test
  void aPriorityAboveTheKeysMaximumIs403() {
    gateway(config(4, keys()));
    Reply body = await(chatAs(ALICE, chat("x").put("user_level", 7)));
    assertOpenAiError(body, 403, "permission_error", "priority_not_allowed");
    assertTrue(body.json().getJsonObject("error").getString("message").contains("at most 5"), body.text());
    Map<String, String> header = new HashMap<>(bearer(ALICE));
    header.put("x-priority", "6");
    assertOpenAiError(await(gw.post("/v1/chat/completions", chat("x").toBuffer(), header)), 403,
        "permission_error", "priority_not_allowed");
    assertOpenAiError(await(chatAs(BOB, chat("x").put("user_level", 1))), 403, "permission_error",
        "priority_not_allowed");
    assertEquals(200, await(chatAs(ALICE, chat("x").put("user_level", 5))).status());
    assertEquals(200, await(chatAs(BOB, chat("x").put("user_level", 0))).status());
    assertEquals(2, a.requests());
  }

  @Test
  void aRequestWithoutAPriorityGetsItsKeysDefault() {
    gateway(config(1, keys()));
    a.hold();
    Future<Reply> first = chatAs(BOB, chat("first"));
    Await.until("the first request holds the only slot", () -> a.inFlight() == 1);
    Future<Reply> bobs = chatAs(BOB, chat("bob default 0"));
    gw.awaitQueued("p", 1);
    Future<Reply> alices = chatAs(ALICE, chat("alice default 2"));
    gw.awaitQueued("p", 2);
    assertEquals(Map.of(0, 1, 2, 1), gw.pool("p").queuedByPriority());
    a.release();
    for (Future<Reply> f : List.of(first, bobs, alices)) {
      assertEquals(200, await(f).status());
    }
    assertEquals(List.of("first", "alice default 2", "bob default 0"), a.prompts(),
        "alice's default priority put her ahead of bob, who came first");
  }

  // ------------------------------------------------------------------ limits

  @Test
  void overMaxRpsIs429AndOthersAreServed() {
    gateway(config(4, keys()));
    List<Future<Reply>> burst = List.of(chatAs(BURST, chat("1")), chatAs(BURST, chat("2")), chatAs(BURST, chat("3")));
    await(Future.join(burst));
    List<Reply> replies = burst.stream().map(Future::result).toList();
    assertEquals(2, replies.stream().filter(r -> r.status() == 200).count(), replies.toString());
    Reply refused = replies.stream().filter(r -> r.status() != 200).findFirst().orElseThrow();
    assertOpenAiError(refused, 429, "rate_limit_error", "rate_limit_exceeded");
    assertTrue(refused.json().getJsonObject("error").getString("message").contains("max_rps"), refused.text());
    assertEquals("1", refused.header("retry-after"));
    assertEquals(200, await(chatAs(BOB, chat("bob meanwhile"))).status());
    assertEquals(3, a.requests(), "the refused request reached no upstream");
    assertNothingHeld("burst");
  }

  @Test
  void overMaxTpmIs429WithRetryAfter() {
    gateway(config(4, keys()));
    Reply first = await(chatAs(GREEDY, chat("spend more than five tokens")));
    assertEquals(200, first.status());
    assertTrue(first.json().getJsonObject("usage").getInteger("total_tokens") > 5);
    // the tokens count when the permit goes back, which may be just after the client has the answer
    assertNothingHeld("greedy");
    Reply refused = await(chatAs(GREEDY, chat("again")));
    assertOpenAiError(refused, 429, "rate_limit_error", "rate_limit_exceeded");
    assertTrue(refused.json().getJsonObject("error").getString("message").contains("max_tpm"), refused.text());
    long retryAfter = Long.parseLong(refused.header("retry-after"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    JsonObject messages = new JsonObject().put("model", "gpt-test").put("max_tokens", 64)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Reply anthropic = await(gw.post("/v1/messages", messages.toBuffer(),
        headers("x-api-key", GREEDY, "anthropic-version", "2023-06-01")));
    assertEquals(429, anthropic.status(), anthropic.text());
    assertEquals("rate_limit_error", anthropic.json().getJsonObject("error").getString("type"), anthropic.text());
    assertNotNull(anthropic.header("retry-after"));
    Reply responses = await(gw.post("/v1/responses", new JsonObject().put("model", "gpt-test").put("input", "hi")
        .toBuffer(), bearer(GREEDY)));
    assertOpenAiError(responses, 429, "rate_limit_error", "rate_limit_exceeded");
    assertEquals(200, await(chatAs(BOB, chat("bob meanwhile"))).status());
    assertNothingHeld("greedy");
  }

  @Test
  void overMaxConcurrencyIs429WhileOtherKeysAreServed() {
    gateway(config(4, keys()));
    a.hold();
    Future<Reply> held = chatAs(SOLO, chat("held"));
    Await.until("solo's first request is upstream", () -> a.inFlight() == 1);
    Reply refused = await(chatAs(SOLO, chat("second")));
    assertOpenAiError(refused, 429, "rate_limit_error", "rate_limit_exceeded");
    assertTrue(refused.json().getJsonObject("error").getString("message").contains("max_concurrency"),
        refused.text());
    assertEquals("1", refused.header("retry-after"));
    assertEquals(0, gw.pool("p").queued(), "the refused request took no queue place");
    assertEquals(1, gw.pool("p").inFlight(), "and no slot");
    assertEquals(200, await(chatAs(BOB, chat("x").put("model", "other"))).status(), "bob is served meanwhile");
    a.release();
    assertEquals(200, await(held).status());
    assertNothingHeld("solo");
    assertEquals(200, await(chatAs(SOLO, chat("after"))).status(), "the permit came back");
    assertNothingHeld("solo");
  }

  @Test
  void aClientLeavingMidRequestGivesItsPermitBack() {
    gateway(config(4, keys()));
    a.hold();
    var request = io.vertx.ext.web.client.WebClient.wrap(gw.client())
        .request(HttpMethod.POST, gw.port(), "127.0.0.1", "/v1/chat/completions").timeout(300);
    bearer(SOLO).forEach(request::putHeader);
    Future<?> abandoned = request.sendBuffer(chat("leaves").toBuffer());
    Await.until("the request is upstream", () -> a.inFlight() == 1);
    Await.awaitFailure(abandoned);
    assertNothingHeld("solo");
    a.release();
    assertEquals(200, await(chatAs(SOLO, chat("next"))).status());
  }

  @Test
  void aClientLeavingMidStreamGivesItsPermitBack() {
    gateway(config(4, keys()));
    a.chunkDelay(200);
    io.vertx.core.Promise<Void> firstChunk = io.vertx.core.Promise.promise();
    gw.client().request(HttpMethod.POST, "/v1/chat/completions").compose(req -> {
      bearer(SOLO).forEach(req::putHeader);
      return req.send(chat("streams").put("stream", true).toBuffer()).onSuccess(resp -> resp.handler(chunk -> {
        if (firstChunk.tryComplete()) {
          req.connection().close();
        }
      }));
    });
    await(firstChunk.future());
    Await.until("the upstream stream was reset", () -> a.resets() == 1);
    assertNothingHeld("solo");
    a.chunkDelay(0);
    assertEquals(200, await(chatAs(SOLO, chat("next"))).status());
  }

  // ------------------------------------------------------------------ open gateway, logs, metrics, reload

  @Test
  void withoutKeysTheGatewayIsOpen() {
    gateway(config(4, null));
    assertEquals(200, await(gw.post(chat("no key needed"))).status());
    assertEquals(4, get("/v1/models", Map.of()).json().getJsonArray("data").size());
    assertTrue(get("/metrics", Map.of()).text()
        .contains("poolgate_client_tokens_total{client_key=\"anonymous\",direction=\"in\"}"));
  }

  @Test
  void theAccessLogAndMetricsNameTheKey() {
    gateway(config(4, keys()));
    Logger access = (Logger) LoggerFactory.getLogger("poolgate.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    // the test logback config leaves access lines off: on for this test, into the list only
    Level level = access.getLevel();
    boolean additive = access.isAdditive();
    access.setLevel(Level.INFO);
    access.setAdditive(false);
    access.addAppender(lines);
    try {
      Map<String, String> h = new HashMap<>(bearer(ALICE));
      h.put("x-request-id", "keys-access-1");
      assertEquals(200, await(gw.post("/v1/chat/completions", chat("logged").toBuffer(), h)).status());
      Await.until("the access line is written", () -> lines.list.stream().anyMatch(e -> "keys-access-1".equals(kv(e,
          "request_id"))));
      ILoggingEvent line = lines.list.stream().filter(e -> "keys-access-1".equals(kv(e, "request_id")))
          .findFirst().orElseThrow();
      assertEquals("alice", kv(line, "client_key"));
      assertFalse(line.getKeyValuePairs().toString().contains(ALICE), "the key itself is never logged");

      // a request refused for its key's limits has its line too
      assertEquals(200, await(chatAs(GREEDY, chat("spend"))).status());
      assertNothingHeld("greedy");
      Map<String, String> again = new HashMap<>(bearer(GREEDY));
      again.put("x-request-id", "keys-access-2");
      assertEquals(429, await(gw.post("/v1/chat/completions", chat("again").toBuffer(), again)).status());
      Await.until("the refusal's access line is written", () -> lines.list.stream()
          .anyMatch(e -> "keys-access-2".equals(kv(e, "request_id"))));
      ILoggingEvent refused = lines.list.stream().filter(e -> "keys-access-2".equals(kv(e, "request_id")))
          .findFirst().orElseThrow();
      assertEquals("greedy", kv(refused, "client_key"));
      assertEquals("429", kv(refused, "status"));
      assertEquals("rate_limit_exceeded", kv(refused, "error"));
    } finally {
      access.detachAppender(lines);
      access.setLevel(level);
      access.setAdditive(additive);
    }
    String metrics = get("/metrics", Map.of()).text();
    assertTrue(metrics.contains("poolgate_client_tokens_total{client_key=\"alice\",direction=\"in\"}"), metrics);
    assertTrue(metrics.contains("poolgate_client_tokens_total{client_key=\"alice\",direction=\"out\"}"));
    assertFalse(metrics.contains(ALICE));
  }

  private static String kv(ILoggingEvent e, String key) {
    if (e.getKeyValuePairs() == null) {
      return null;
    }
    return e.getKeyValuePairs().stream().filter(p -> p.key.equals(key)).map(p -> String.valueOf(p.value))
        .findFirst().orElse(null);
  }

  @Test
  void keyChangesOnReloadTakeEffect() {
    gateway(config(4, keys()));
    assertEquals(401, await(chatAs(CAROL, chat("not yet"))).status());
    JsonObject next = config(4, keys().put("carol", new JsonObject().put("key", CAROL)));
    next.getJsonObject("keys").remove("alice");
    next.getJsonObject("keys").getJsonObject("bob").put("max_concurrency", 1);
    next.getJsonObject("server").put("host", "127.0.0.1").put("port", gw.port());
    gw.gateway().apply(ConfigLoader.parse(next));
    Await.until("carol is let in", () -> await(chatAs(CAROL, chat("now"))).status() == 200);
    Await.until("alice is out", () -> await(chatAs(ALICE, chat("gone"))).status() == 401);
    // and a limit set by the reload holds
    a.hold();
    Future<Reply> held = chatAs(BOB, chat("held"));
    Await.until("bob's request is upstream", () -> a.inFlight() == 1);
    assertEquals(429, await(chatAs(BOB, chat("second"))).status());
    a.release();
    assertEquals(200, await(held).status());

    // back to no keys: open
    gw.gateway().apply(ConfigLoader.parse(config(4, null).put("server", next.getJsonObject("server"))));
    Await.until("open again", () -> await(gw.post(chat("open"))).status() == 200);
  }
}
