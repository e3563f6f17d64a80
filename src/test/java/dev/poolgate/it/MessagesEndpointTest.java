package dev.poolgate.it;

import dev.poolgate.testing.FakeAnthropic;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anthropic clients on {@code POST /v1/messages}: natively through anthropic instances, translated through the rest. */
class MessagesEndpointTest extends GatewayTestBase {

  static JsonObject messages(String prompt) {
    return new JsonObject().put("model", "gpt-test").put("max_tokens", 256)
        .put("system", "Be brief.")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
  }

  private Reply post(JsonObject body) {
    return await(gw.post("/v1/messages", body.toBuffer(), Map.of("content-type", "application/json",
        "x-api-key", "sk-client", "anthropic-version", "2023-06-01")));
  }

  @Test
  void throughAnOpenAiInstanceTheAnswerIsTranslated() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));

    Reply reply = post(messages("hello"));

    assertEquals(200, reply.status(), reply::text);
    JsonObject message = reply.json();
    assertEquals("message", message.getString("type"));
    assertEquals("assistant", message.getString("role"));
    assertEquals("Hello from the fake.", message.getJsonArray("content").getJsonObject(0).getString("text"));
    assertEquals("end_turn", message.getString("stop_reason"));
    assertEquals(5, message.getJsonObject("usage").getInteger("output_tokens"));
    JsonObject sent = up.bodies().get(0);
    assertEquals("system", sent.getJsonArray("messages").getJsonObject(0).getString("role"));
    assertEquals("Be brief.", sent.getJsonArray("messages").getJsonObject(0).getString("content"));
    assertEquals(256, sent.getInteger("max_tokens"));
    assertEquals(FakeOpenAi.MODEL, sent.getString("model"));
  }

  @Test
  void throughAnOpenAiInstanceTheStreamIsTheAnthropicEventSequence() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));

    Reply reply = post(messages("hello").put("stream", true));

    assertEquals(200, reply.status(), reply::text);
    assertTrue(reply.header("content-type").startsWith("text/event-stream"));
    List<String> types = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    JsonObject messageDelta = null;
    for (String e : AnthropicProviderTest.events(reply.text())) {
      String type = e.substring("event: ".length(), e.indexOf('\n'));
      JsonObject data = new JsonObject(e.substring(e.indexOf("data: ") + 6));
      assertEquals(type, data.getString("type"));
      types.add(type);
      if (type.equals("content_block_delta")) {
        text.append(data.getJsonObject("delta").getString("text"));
      } else if (type.equals("message_delta")) {
        messageDelta = data;
      }
    }
    assertEquals("message_start", types.get(0));
    assertEquals("content_block_start", types.get(1));
    assertEquals(List.of("content_block_stop", "message_delta", "message_stop"), types.subList(types.size() - 3, types.size()));
    assertEquals("Hello from the fake.", text.toString());
    assertEquals("end_turn", messageDelta.getJsonObject("delta").getString("stop_reason"));
    assertEquals(5, messageDelta.getJsonObject("usage").getInteger("output_tokens"));
    assertFalse(reply.text().contains("[DONE]"));
  }

  @Test
  void throughAnAnthropicInstanceTheRequestGoesNatively() {
    FakeAnthropic up = await(FakeAnthropic.start(vertx));
    JsonObject inst = AnthropicProviderTest.anthropic("a", up)
        .put("override", new JsonObject().put("temperature", 0.1));
    gateway(onePool(inst));
    JsonObject request = messages("hello").put("top_k", 5)
        .put("metadata", new JsonObject().put("user_id", "u1").put("user_level", 7));

    Reply reply = post(request);

    assertEquals(200, reply.status(), reply::text);
    assertEquals("msg_fake01", reply.json().getString("id"), "the Anthropic answer comes back as it was");
    JsonObject sent = up.lastBody();
    assertEquals(FakeAnthropic.MODEL, sent.getString("model"));
    assertEquals(5, sent.getInteger("top_k"), "fields pass through natively");
    assertEquals("Be brief.", sent.getString("system"));
    assertEquals(0.1, sent.getDouble("temperature"), "the instance's override applies");
    assertEquals(new JsonObject().put("user_id", "u1"), sent.getJsonObject("metadata"), "user_level is the gateway's");

    Reply stream = post(messages("hello").put("stream", true));
    assertEquals(200, stream.status(), stream::text);
    assertTrue(stream.text().startsWith("event: message_start\n"), stream.text());
    assertTrue(stream.text().contains("event: ping\n"), "events pass as they are");
    assertTrue(stream.text().endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
  }

  @Test
  void errorsComeInTheAnthropicShape() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));

    Reply unknown = post(messages("hi").put("model", "nope"));
    assertEquals(404, unknown.status());
    assertEquals("error", unknown.json().getString("type"));
    assertEquals("not_found_error", unknown.json().getJsonObject("error").getString("type"));

    Reply invalid = await(gw.post("/v1/messages", io.vertx.core.buffer.Buffer.buffer("{not json"),
        Map.of("content-type", "application/json")));
    assertEquals(400, invalid.status());
    assertEquals("invalid_request_error", invalid.json().getJsonObject("error").getString("type"));

    up.failWith(400);
    Reply upstream = post(messages("hi"));
    assertEquals(400, upstream.status());
    assertEquals("error", upstream.json().getString("type"), upstream.text());
    assertEquals("invalid_request_error", upstream.json().getJsonObject("error").getString("type"));

    up.failWith(500);
    Reply broken = post(messages("hi"));
    assertEquals(502, broken.status());
    assertEquals("api_error", broken.json().getJsonObject("error").getString("type"), broken.text());
  }

  @Test
  void toolUseThroughAnOpenAiInstance() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));
    JsonObject request = messages("weather?")
        .put("tools", new JsonArray().add(new JsonObject().put("name", "get_weather")
            .put("input_schema", new JsonObject().put("type", "object"))))
        .put("tool_choice", new JsonObject().put("type", "tool").put("name", "get_weather"));
    request.getJsonArray("messages")
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_use").put("id", "toolu_9").put("name", "get_weather")
            .put("input", new JsonObject().put("city", "Oslo")))))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_result").put("tool_use_id", "toolu_9").put("content", "-3C"))));

    assertEquals(200, post(request).status());

    JsonObject sent = up.bodies().get(0);
    JsonArray msgs = sent.getJsonArray("messages");
    assertEquals("toolu_9", msgs.getJsonObject(2).getJsonArray("tool_calls").getJsonObject(0).getString("id"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", "toolu_9").put("content", "-3C"),
        msgs.getJsonObject(3));
    assertEquals("get_weather", sent.getJsonObject("tool_choice").getJsonObject("function").getString("name"));
    assertEquals("get_weather", sent.getJsonArray("tools").getJsonObject(0).getJsonObject("function").getString("name"));
  }
}
