package dev.poolgate.it;

import dev.poolgate.testing.FakeAnthropic;
import dev.poolgate.testing.FakeAnthropic.Fault;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.GatewayFixture.Reply;
import dev.poolgate.testing.Await;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenAI clients served by an {@code anthropic} instance: translation both ways, errors, retries. */
class AnthropicProviderTest extends GatewayTestBase {
  private FakeAnthropic up;

  @BeforeEach
  void startUpstream() {
    up = await(FakeAnthropic.start(vertx));
  }

  static JsonObject anthropic(String id, FakeAnthropic fake) {
    return new JsonObject().put("id", id).put("provider", "anthropic").put("base_url", fake.baseUrl())
        .put("api_key", "sk-ant-" + id).put("model", FakeAnthropic.MODEL).put("max_concurrency", 2)
        .put("timeout_ms", 5_000).put("connect_timeout_ms", 1_000);
  }

  @Test
  void jsonAnswerIsTranslatedBothWays() {
    gateway(GatewayFixture.onePool(anthropic("a", up)));
    JsonObject request = chat("hello").put("temperature", 0.3).put("stop", "END");
    request.getJsonArray("messages").add(0, new JsonObject().put("role", "system").put("content", "Be brief."));

    Reply reply = gw.postBlocking(request);

    assertEquals(200, reply.status(), reply::text);
    JsonObject answer = reply.json();
    assertEquals("chat.completion", answer.getString("object"));
    JsonObject choice = answer.getJsonArray("choices").getJsonObject(0);
    assertEquals("Hello from the fake.", choice.getJsonObject("message").getString("content"));
    assertEquals("stop", choice.getString("finish_reason"));
    assertEquals(FakeAnthropic.INPUT_TOKENS, answer.getJsonObject("usage").getInteger("prompt_tokens"));
    assertEquals(5, answer.getJsonObject("usage").getInteger("completion_tokens"));
    JsonObject sent = up.lastBody();
    assertEquals(FakeAnthropic.MODEL, sent.getString("model"));
    assertEquals("Be brief.", sent.getString("system"));
    assertEquals(4096, sent.getInteger("max_tokens"), "Anthropic needs max_tokens: the default fills it in");
    assertEquals(new JsonArray().add("END"), sent.getJsonArray("stop_sequences"));
    assertEquals("sk-ant-a", up.lastHeaders().get("x-api-key"));
    assertEquals("2023-06-01", up.lastHeaders().get("anthropic-version"));
    assertNull(up.lastHeaders().get("authorization"));
  }

  @Test
  void streamIsTranslatedEventByEvent() {
    gateway(GatewayFixture.onePool(anthropic("a", up)));

    Reply reply = gw.postBlocking(chat("hi").put("stream", true));

    assertEquals(200, reply.status(), reply::text);
    assertTrue(reply.header("content-type").startsWith("text/event-stream"));
    List<JsonObject> chunks = chunks(reply.text());
    StringBuilder content = new StringBuilder();
    chunks.forEach(c -> content.append(delta(c).getString("content", "")));
    assertEquals("Hello from the fake.", content.toString());
    assertEquals("assistant", delta(chunks.get(0)).getString("role"));
    assertEquals("stop", chunks.get(chunks.size() - 1).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertTrue(chunks.stream().noneMatch(c -> c.containsKey("usage")), "no usage chunk: the client did not ask");
    assertTrue(reply.text().endsWith("data: [DONE]\n\n"));
  }

  @Test
  void usageChunkWhenTheClientAsks() {
    gateway(GatewayFixture.onePool(anthropic("a", up)));

    Reply reply = gw.postBlocking(chat("hi").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true)));

    List<JsonObject> chunks = chunks(reply.text());
    JsonObject usage = chunks.get(chunks.size() - 1).getJsonObject("usage");
    assertEquals(FakeAnthropic.INPUT_TOKENS, usage.getInteger("prompt_tokens"));
    assertEquals(5, usage.getInteger("completion_tokens"));
    assertFalse(up.lastBody().containsKey("stream_options"), "Anthropic gets only fields it knows");
  }

  @Test
  void toolCallsWholeAndStreamed() {
    up.toolUse(true);
    gateway(GatewayFixture.onePool(anthropic("a", up)));
    JsonObject request = chat("weather?").put("tool_choice", "required").put("tools", new JsonArray().add(
        new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_weather")
            .put("parameters", new JsonObject().put("type", "object")))));

    JsonObject answer = gw.postBlocking(request).json();
    JsonObject choice = answer.getJsonArray("choices").getJsonObject(0);
    assertEquals("tool_calls", choice.getString("finish_reason"));
    JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
    assertEquals("toolu_01", call.getString("id"));
    assertEquals("get_weather", call.getJsonObject("function").getString("name"));
    assertEquals(new JsonObject().put("city", "Paris"), new JsonObject(call.getJsonObject("function").getString("arguments")));
    assertEquals(new JsonObject().put("type", "any"), up.lastBody().getJsonObject("tool_choice"));
    assertEquals("get_weather", up.lastBody().getJsonArray("tools").getJsonObject(0).getString("name"));

    List<JsonObject> chunks = chunks(gw.postBlocking(request.copy().put("stream", true)).text());
    StringBuilder args = new StringBuilder();
    JsonObject first = null;
    for (JsonObject c : chunks) {
      JsonArray calls = delta(c).getJsonArray("tool_calls");
      if (calls != null) {
        JsonObject tc = calls.getJsonObject(0);
        assertEquals(0, tc.getInteger("index"));
        if (first == null) {
          first = tc;
        }
        args.append(tc.getJsonObject("function").getString("arguments", ""));
      }
    }
    assertEquals("toolu_01", first.getString("id"), "id and name on the first tool chunk");
    assertEquals("get_weather", first.getJsonObject("function").getString("name"));
    assertEquals(new JsonObject().put("city", "Paris"), new JsonObject(args.toString()));
    assertEquals("tool_calls", chunks.get(chunks.size() - 1).getJsonArray("choices").getJsonObject(0)
        .getString("finish_reason"));
  }

  @Test
  void clientErrorComesBackInTheOpenAiShapeAndIsNotRetried() {
    up.failWith(400);
    gateway(GatewayFixture.onePool(anthropic("a", up), anthropic("b", up)));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(400, reply.status());
    assertEquals("fake invalid_request_error", reply.json().getJsonObject("error").getString("message"));
    assertEquals("invalid_request_error", reply.json().getJsonObject("error").getString("type"));
    assertEquals(1, up.requests());
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 529})
  void retryableStatusesGoToAnotherInstance(int status) {
    FakeAnthropic good = await(FakeAnthropic.start(vertx));
    up.failWith(status);
    gateway(GatewayFixture.onePool(anthropic("bad", up), anthropic("good", good)));

    for (int i = 0; i < 4; i++) {
      Reply reply = gw.postBlocking(chat("hi"));
      assertEquals(200, reply.status(), reply::text);
      assertEquals("good", reply.header("x-poolgate-instance"));
    }
    assertTrue(up.requests() >= 1, "the failing instance was tried");
  }

  @ParameterizedTest
  @EnumSource(value = Fault.class, names = {"BAD_JSON", "WRONG_CONTENT_TYPE", "HTML_PAGE", "EMPTY_STREAM"})
  void malformedAnswersAreRetriedBeforeTheFirstByte(Fault fault) {
    up.fault(fault, 1);
    gateway(GatewayFixture.onePool(anthropic("a", up), anthropic("b", up)));
    boolean stream = fault == Fault.EMPTY_STREAM;

    Reply reply = gw.postBlocking(chat("hi").put("stream", stream));

    assertEquals(200, reply.status(), reply::text);
    assertEquals("2", reply.header("x-poolgate-attempts"), "the first attempt failed: " + fault);
    assertEquals(2, up.requests());
  }

  @ParameterizedTest
  @EnumSource(value = Fault.class, names = {"TRUNCATED", "ERROR_EVENT"})
  void streamBreakingAfterTheFirstByteEndsWithAnErrorEvent(Fault fault) {
    up.fault(fault, 1).eventDelay(20);
    gateway(GatewayFixture.onePool(anthropic("a", up), anthropic("b", up)));

    Reply reply = gw.postBlocking(chat("hi").put("stream", true));

    assertEquals(200, reply.status());
    assertTrue(reply.text().contains("Hello"), reply.text());
    assertFalse(reply.text().contains("[DONE]"), "never a fake [DONE]: " + reply.text());
    List<String> events = events(reply.text());
    assertTrue(events.get(events.size() - 1).contains("\"error\""), reply.text());
    assertEquals(1, up.requests());
  }

  @Test
  void anthropicClientLeavingMidStreamReleasesTheSlot() {
    up.eventDelay(100);
    gateway(GatewayFixture.onePool(anthropic("a", up).put("max_concurrency", 1)));

    HttpClient leaving = vertx.createHttpClient();
    Promise<Buffer> firstBytes = Promise.promise();
    HttpClientRequest req = await(leaving.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(gw.port()).setURI("/v1/messages")
        .putHeader("content-type", "application/json")));
    HttpClientResponse resp = await(req.send(MessagesEndpointTest.messages("long story").put("stream", true).toBuffer()));
    assertEquals(200, resp.statusCode());
    resp.handler(firstBytes::tryComplete);
    String first = await(firstBytes.future()).toString();
    assertTrue(first.startsWith("event: "), first);
    await(req.connection().close());

    Await.until("the slot was released", Duration.ofSeconds(3), () -> gw.pool("p").inFlight() == 0);
    up.eventDelay(0);
    assertEquals(200, gw.postBlocking(chat("next")).status(), "the freed slot serves the next request");
    await(leaving.close());
  }

  static List<String> events(String sse) {
    List<String> out = new ArrayList<>();
    for (String e : sse.split("\n\n")) {
      if (!e.isBlank()) {
        out.add(e);
      }
    }
    return out;
  }

  static List<JsonObject> chunks(String sse) {
    List<JsonObject> out = new ArrayList<>();
    for (String e : events(sse)) {
      String data = e.substring(e.indexOf("data: ") + 6);
      if (!data.equals("[DONE]")) {
        out.add(new JsonObject(data));
      }
    }
    return out;
  }

  static JsonObject delta(JsonObject chunk) {
    JsonArray choices = chunk.getJsonArray("choices");
    return choices.isEmpty() ? new JsonObject() : choices.getJsonObject(0).getJsonObject("delta");
  }
}
