package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/embeddings}: routed by model, only to instances that serve embeddings, validated. */
class EmbeddingsTest extends GatewayTestBase {

  private Reply embed(JsonObject body) {
    return await(gw.post("/v1/embeddings", body.toBuffer(), Map.of("content-type", "application/json")));
  }

  private static JsonObject mock(String id) {
    return new JsonObject().put("id", id).put("provider", "mock").put("max_concurrency", 1)
        .put("mock", new JsonObject().put("latency_ms", 0));
  }

  @Test
  void embeddingsGoToAnOpenAiInstanceWithTheInstanceModelAndNoGenerationParams() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 1).put("params", new JsonObject().put("temperature", 0.2))));

    Reply r = embed(new JsonObject().put("model", "gpt-test").put("input", new JsonArray().add("one").add("two")));

    assertEquals(200, r.status(), r.text());
    assertEquals(2, r.json().getJsonArray("data").size());
    assertEquals("a", r.header("x-poolgate-instance"));
    JsonObject sent = up.bodies().get(0);
    assertEquals(FakeOpenAi.MODEL, sent.getString("model"));
    assertFalse(sent.containsKey("temperature"), "params are generation settings");
    assertEquals("/v1/embeddings", up.paths().get(0));
  }

  @Test
  void instancesThatCannotServeEmbeddingsAreSkipped() {
    FakeOpenAi up = fake();
    gateway(onePool(mock("m1").put("weight", 1000), instance("a", up, 1)));

    for (int i = 0; i < 3; i++) {
      Reply r = embed(new JsonObject().put("model", "gpt-test").put("input", "hi"));
      assertEquals(200, r.status(), r.text());
      assertEquals("a", r.header("x-poolgate-instance"));
    }
  }

  @Test
  void aPoolWithNoInstanceServingEmbeddingsAnswers400() {
    gateway(onePool(mock("m1")));

    Reply r = embed(new JsonObject().put("model", "gpt-test").put("input", "hi"));

    assertEquals(400, r.status());
    assertEquals("invalid_request", r.json().getJsonObject("error").getString("code"));
    assertTrue(r.json().getJsonObject("error").getString("message").contains("/v1/embeddings"));
  }

  @Test
  void inputIsValidated() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 1)));

    for (Object bad : new Object[] {null, "", new JsonArray(), new JsonArray().add(1).add("x"), new JsonObject()}) {
      Reply r = embed(new JsonObject().put("model", "gpt-test").put("input", bad));
      assertEquals(400, r.status(), String.valueOf(bad));
    }
    assertEquals(400, embed(new JsonObject().put("model", "gpt-test").put("input", "x").put("stream", true)).status());
    assertEquals(200, embed(new JsonObject().put("model", "gpt-test")
        .put("input", new JsonArray().add(new JsonArray().add(1).add(2)))).status());
    assertEquals(404, embed(new JsonObject().put("model", "nope").put("input", "x")).status());
    assertEquals(1, up.requests());
  }
}
