package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.poolgate.it.CapsAndQueueTest.assertOpenAiError;
import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad requests answered in the OpenAI error shape; upstream client errors passed on as they are. */
class RequestErrorsTest extends GatewayTestBase {
  private static final Map<String, String> JSON = Map.of("content-type", "application/json");
  private FakeOpenAi up;

  @BeforeEach
  void start() {
    up = fake();
    JsonObject cfg = onePool(instance("a", up, 2));
    cfg.getJsonObject("server").put("max_body_bytes", 2048);
    gateway(cfg);
  }

  private Reply post(String body, Map<String, String> headers) {
    return await(gw.post("/v1/chat/completions", Buffer.buffer(body), headers));
  }

  @Test
  void badJsonIs400() {
    Reply r = post("{\"model\": \"gpt-test\", \"messages\": [", JSON);
    assertEquals(400, r.status());
    assertOpenAiError(r, "invalid_request_error", "invalid_json");

    Reply array = post("[1, 2]", JSON);
    assertEquals(400, array.status());
    assertOpenAiError(array, "invalid_request_error", "invalid_json");
    assertEquals(0, up.requests());
  }

  @Test
  void missingMessagesIs400() {
    Reply r = post(new JsonObject().put("model", "gpt-test").encode(), JSON);
    assertEquals(400, r.status());
    assertOpenAiError(r, "invalid_request_error", "invalid_request");
    assertTrue(r.json().getJsonObject("error").getString("message").contains("messages"));

    Reply empty = post(new JsonObject().put("model", "gpt-test").put("messages", new JsonArray()).encode(), JSON);
    assertEquals(400, empty.status());
  }

  @Test
  void badPriorityIs400() {
    Reply r = post(chat("hi").put("user_level", 11).encode(), JSON);
    assertEquals(400, r.status());
    assertOpenAiError(r, "invalid_request_error", "invalid_request");

    Reply header = post(chat("hi").encode(), Map.of("content-type", "application/json", "x-priority", "high"));
    assertEquals(400, header.status());
  }

  @Test
  void unknownModelIs404() {
    Reply r = post(chat("hi").put("model", "gpt-nope").encode(), JSON);
    assertEquals(404, r.status());
    assertOpenAiError(r, "invalid_request_error", "model_not_found");
  }

  @Test
  void bodyOverTheLimitIs413() {
    String big = "x".repeat(4096);
    Reply r = post(chat(big).encode(), JSON);
    assertEquals(413, r.status());
    assertOpenAiError(r, "invalid_request_error", "request_too_large");
    assertEquals(0, up.requests());
  }

  @Test
  void wrongContentTypeIs415() {
    Reply r = post(chat("hi").encode(), Map.of("content-type", "text/plain"));
    assertEquals(415, r.status());
    assertOpenAiError(r, "invalid_request_error", "unsupported_media_type");
  }

  @Test
  void unknownRouteIs404InTheErrorShape() {
    Reply r = await(gw.post("/v1/nothing-here", Buffer.buffer("{}"), JSON));
    assertEquals(404, r.status());
    assertOpenAiError(r, "invalid_request_error", "not_found");
  }

  @Test
  void modelsAreListed() {
    Reply r = await(gw.client().request(io.vertx.core.http.HttpMethod.GET, "/v1/models")
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
    assertEquals(200, r.status());
    assertEquals("list", r.json().getString("object"));
    assertTrue(r.json().getJsonArray("data").stream()
        .anyMatch(m -> "gpt-test".equals(((JsonObject) m).getString("id"))));
  }

  @Test
  void upstream400PassesThroughAsIs() {
    String upstreamBody = "{\"error\":{\"message\":\"Invalid 'temperature': 7\",\"type\":\"invalid_request_error\","
        + "\"param\":\"temperature\",\"code\":\"invalid_value\"}}";
    up.failWith(400, upstreamBody);

    Reply r = post(chat("hi").put("temperature", 7).encode(), JSON);

    assertEquals(400, r.status());
    assertEquals(upstreamBody, r.text(), "the upstream's body, byte for byte");
    assertEquals("a", r.header("x-poolgate-instance"));
    assertEquals(1, up.requests(), "a client error is not retried");
  }

  @Test
  void upstream401PassesThroughAsIs() {
    up.failWith(401);

    Reply r = post(chat("hi").encode(), JSON);

    assertEquals(401, r.status());
    assertEquals(FakeOpenAi.errorBody(401), r.json());
    assertEquals(1, up.requests());
  }

  @Test
  void streamRequestGettingUpstream400PassesThroughAsIs() {
    up.failWith(400);

    Reply r = post(chat("hi").put("stream", true).encode(), JSON);

    assertEquals(400, r.status());
    assertEquals(FakeOpenAi.errorBody(400), r.json());
  }
}
