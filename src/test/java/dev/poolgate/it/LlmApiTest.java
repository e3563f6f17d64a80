package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LLM-API-BalancedCall's routes: /llm/chat, /llm/chat/stream, /llm/models, in the reference's shapes. */
class LlmApiTest extends GatewayTestBase {
  private static final Map<String, String> JSON = Map.of("content-type", "application/json");

  /** The reference's request body: messages and an empty tools list, no model. */
  private static JsonObject body(String prompt) {
    return new JsonObject()
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)))
        .put("tools", new JsonArray());
  }

  private Reply post(String path, JsonObject body) {
    return await(gw.post(path, body.toBuffer(), JSON));
  }

  @Test
  void chatAnswersTheTextAsResult() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));
    Reply r = post("/llm/chat", body("hello there"));
    assertEquals(200, r.status(), r.text());
    assertTrue(r.header("content-type").startsWith("application/json"));
    assertEquals(new JsonObject().put("result", "Hello from the fake."), r.json());
    assertEquals("a", r.header("x-poolgate-instance"));
    JsonObject sent = up.bodies().get(0);
    assertEquals(FakeOpenAi.MODEL, sent.getString("model"), "the default pool's instance model");
    assertEquals(false, sent.getValue("stream"));
    assertFalse(sent.containsKey("tools"), "an empty tools list is not sent upstream");
  }

  @Test
  void streamAnswersPlainTextChunks() {
    FakeOpenAi up = fake().pieces(List.of("快", "速", "排", "序"));
    gateway(onePool(instance("a", up, 2)));
    Reply r = post("/llm/chat/stream", body("写一个快速排序"));
    assertEquals(200, r.status(), r.text());
    assertTrue(r.header("content-type").startsWith("text/plain"), r.header("content-type"));
    assertEquals("快速排序", r.text(), "no SSE framing, no [DONE]");
    assertEquals(true, up.bodies().get(0).getValue("stream"));
  }

  @Test
  void modelsListsTheModelNames() {
    gateway(onePool(instance("a", fake(), 1)));
    Reply r = await(gw.client().request(HttpMethod.GET, "/llm/models")
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
    assertEquals(200, r.status());
    JsonArray models = r.json().getJsonArray("models");
    assertNotNull(models);
    assertTrue(models.contains("gpt-test") && models.contains("p"), models.encode());
  }

  @Test
  void requestsWithoutModelGoToTheDefaultPoolAndAModelStillChooses() {
    FakeOpenAi first = fake();
    FakeOpenAi second = fake();
    JsonObject cfg = config(new JsonObject()
        .put("first", pool(instance("f", first, 1)))
        .put("second", pool(instance("s", second, 1))))
        .put("default_pool", "second");
    gateway(cfg);
    assertEquals("s", post("/llm/chat", body("hi")).header("x-poolgate-instance"));
    assertEquals("f", post("/llm/chat", body("hi").put("model", "first")).header("x-poolgate-instance"));
    assertEquals(1, first.requests());
    assertEquals(1, second.requests());
  }

  @Test
  void errorsKeepTheOpenAiShape() {
    FakeOpenAi up = fake().failWith(500);
    gateway(onePool(instance("a", up, 1)));
    Reply missing = post("/llm/chat", new JsonObject().put("prompt", "no messages"));
    assertEquals(400, missing.status());
    assertEquals("invalid_request", missing.json().getJsonObject("error").getString("code"));
    Reply unknown = post("/llm/chat", body("hi").put("model", "nope"));
    assertEquals(404, unknown.status());
    assertEquals("model_not_found", unknown.json().getJsonObject("error").getString("code"));
    Reply failing = post("/llm/chat/stream", body("hi"));
    assertEquals(502, failing.status(), failing.text());
    assertEquals("upstream_error", failing.json().getJsonObject("error").getString("code"));
  }
}
