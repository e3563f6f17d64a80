package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What clients get besides answers: 405 with {@code Allow} for a known route asked with another
 * method, Anthropic's error shape and {@code request-id} everywhere under {@code /v1/messages},
 * its required {@code max_tokens}, and the Responses API's errors, before and during a stream.
 */
class RouteAnswersTest extends GatewayTestBase {
  private static final Map<String, String> JSON = Map.of("content-type", "application/json");
  private FakeOpenAi up;

  @BeforeEach
  void start() {
    up = fake();
    gateway(onePool(instance("a", up, 2)));
  }

  private Reply send(HttpMethod method, String path, JsonObject body) {
    return await(gw.send(method, path, body == null ? Buffer.buffer() : body.toBuffer(), JSON));
  }

  private static void assertAnthropicError(Reply reply, int status, String type) {
    assertEquals(status, reply.status(), reply::text);
    JsonObject body = reply.json();
    assertEquals("error", body.getString("type"), reply.text());
    assertEquals(type, body.getJsonObject("error").getString("type"), reply.text());
    assertNotNull(reply.header("request-id"));
    assertEquals(reply.header("x-request-id"), reply.header("request-id"));
  }

  @Test
  void knownRouteWithAnotherMethodIs405WithAllow() {
    Reply chat = send(HttpMethod.GET, "/v1/chat/completions", null);
    assertEquals(405, chat.status(), chat::text);
    assertEquals("POST", chat.header("allow"));
    assertEquals("method_not_allowed", chat.json().getJsonObject("error").getString("code"));

    Reply models = send(HttpMethod.POST, "/v1/models", new JsonObject());
    assertEquals(405, models.status());
    assertEquals("GET", models.header("allow"));

    Reply azure = send(HttpMethod.GET, "/openai/deployments/gpt-test/chat/completions", null);
    assertEquals(405, azure.status());
    assertEquals("POST", azure.header("allow"));

    Reply responses = send(HttpMethod.GET, "/v1/responses", null);
    assertEquals(405, responses.status());
    assertEquals("POST", responses.header("allow"));

    Reply messages = send(HttpMethod.GET, "/v1/messages", null);
    assertAnthropicError(messages, 405, "invalid_request_error");
    assertEquals("POST", messages.header("allow"));

    Reply unknown = send(HttpMethod.GET, "/v1/nothing-here", null);
    assertEquals(404, unknown.status());
    assertEquals(null, unknown.header("allow"));
  }

  @Test
  void everythingUnderMessagesIsAnthropicShaped() {
    assertAnthropicError(send(HttpMethod.POST, "/v1/messages/batches", new JsonObject()), 404, "not_found_error");

    JsonObject noMaxTokens = MessagesEndpointTest.messages("hi");
    noMaxTokens.remove("max_tokens");
    Reply missing = send(HttpMethod.POST, "/v1/messages", noMaxTokens);
    assertAnthropicError(missing, 400, "invalid_request_error");
    assertEquals("max_tokens: Field required", missing.json().getJsonObject("error").getString("message"));

    Reply badCount = send(HttpMethod.POST, "/v1/messages/count_tokens", new JsonObject().put("model", "gpt-test"));
    assertAnthropicError(badCount, 400, "invalid_request_error");
    Reply unknownModel = send(HttpMethod.POST, "/v1/messages/count_tokens", MessagesEndpointTest.messages("hi")
        .put("model", "nope"));
    assertAnthropicError(unknownModel, 404, "not_found_error");

    Reply served = send(HttpMethod.POST, "/v1/messages", MessagesEndpointTest.messages("hi"));
    assertEquals(200, served.status(), served::text);
    assertEquals(served.header("x-request-id"), served.header("request-id"));
    Reply counted = send(HttpMethod.POST, "/v1/messages/count_tokens", MessagesEndpointTest.messages("hi"));
    assertEquals(200, counted.status(), counted::text);
    assertTrue(counted.json().getInteger("input_tokens") > 0);
    assertNotNull(counted.header("request-id"));
    assertEquals(1, up.requests(), "only the message went upstream; the count was made here");
  }

  @Test
  void responsesErrorsAreOpenAiShaped() {
    Reply noInput = send(HttpMethod.POST, "/v1/responses", new JsonObject().put("model", "gpt-test"));
    assertEquals(400, noInput.status());
    assertTrue(noInput.json().getJsonObject("error").getString("message").startsWith("input:"), noInput::text);
    assertEquals("invalid_request_error", noInput.json().getJsonObject("error").getString("type"));

    Reply previous = send(HttpMethod.POST, "/v1/responses", new JsonObject().put("model", "gpt-test")
        .put("input", "hi").put("previous_response_id", "resp_1"));
    assertEquals(400, previous.status());
    assertTrue(previous.json().getJsonObject("error").getString("message").contains("keeps no responses"));

    // a hosted tool cannot be translated for a chat-only upstream (a vLLM server here): the client's 400
    await(gw.close());
    gateway(onePool(instance("a", up, 2).put("provider", "vllm")));
    Reply hosted = send(HttpMethod.POST, "/v1/responses", new JsonObject().put("model", "gpt-test")
        .put("input", "hi").put("tools", new JsonArray().add(new JsonObject().put("type", "web_search"))));
    assertEquals(400, hosted.status(), hosted::text);
    assertTrue(hosted.json().getJsonObject("error").getString("message").startsWith("tools[0]"), hosted::text);
    assertEquals(0, up.requests());
  }

  @Test
  void aFailedResponsesCallIsRetriedOnAnotherInstance() {
    FakeOpenAi good = fake();
    await(gw.close());
    up.failWith(500);
    gateway(onePool(instance("bad", up, 2).put("weight", 100), instance("good", good, 2)));
    for (boolean stream : List.of(false, true)) {
      Reply reply = send(HttpMethod.POST, "/v1/responses", new JsonObject().put("model", "gpt-test")
          .put("input", "hi").put("stream", stream));
      assertEquals(200, reply.status(), reply::text);
      assertEquals("good", reply.header("x-poolgate-instance"));
      assertTrue(reply.text().contains("Hello from the fake."), reply::text);
    }
    assertTrue(up.requests() >= 1, "the bad instance was tried first");
  }

  @Test
  void aResponsesStreamThatBreaksEndsWithAnErrorEvent() {
    // the delay lets the first events reach the client before the upstream breaks (else it is retried)
    up.breakAfter(4).chunkDelay(50);
    Reply reply = send(HttpMethod.POST, "/v1/responses", new JsonObject().put("model", "gpt-test")
        .put("input", "hi").put("stream", true));

    assertEquals(200, reply.status());
    List<String> data = reply.text().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    assertEquals(5, data.size(), reply.text());
    JsonObject error = new JsonObject(data.get(4));
    assertEquals("error", error.getString("type"));
    assertEquals(4, error.getInteger("sequence_number"));
    assertEquals("upstream_error", error.getString("code"));
    assertTrue(reply.text().contains("event: error\n"), reply.text());
  }
}
