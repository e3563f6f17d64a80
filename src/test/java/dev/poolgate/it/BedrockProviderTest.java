package dev.poolgate.it;

import dev.poolgate.testing.FakeBedrock;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A {@code bedrock} instance: SigV4-signed Converse for OpenAI clients, native InvokeModel for Anthropic ones. */
class BedrockProviderTest extends GatewayTestBase {
  static final String MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0";
  private FakeBedrock up;

  @BeforeEach
  void startUpstream() {
    up = await(FakeBedrock.start(vertx));
  }

  static JsonObject bedrock(String id, FakeBedrock fake, String keyId) {
    return new JsonObject().put("id", id).put("provider", "bedrock").put("base_url", fake.baseUrl())
        .put("region", FakeBedrock.REGION).put("access_key_id", keyId).put("secret_access_key", "secret/key")
        .put("model", MODEL_ID).put("max_concurrency", 2).put("timeout_ms", 5_000).put("connect_timeout_ms", 1_000);
  }

  @Test
  void converseAnswerIsSignedAndTranslated() {
    gateway(GatewayFixture.onePool(bedrock("b", up, FakeBedrock.KEY_ID)));
    JsonObject request = chat("hello").put("max_tokens", 100).put("temperature", 0.5);
    request.getJsonArray("messages").add(0, new JsonObject().put("role", "system").put("content", "Be brief."));

    Reply reply = gw.postBlocking(request);

    assertEquals(200, reply.status(), reply::text);
    JsonObject choice = reply.json().getJsonArray("choices").getJsonObject(0);
    assertEquals("Hello from Bedrock.", choice.getJsonObject("message").getString("content"));
    assertEquals("stop", choice.getString("finish_reason"));
    assertEquals(9, reply.json().getJsonObject("usage").getInteger("prompt_tokens"));
    assertEquals("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", up.paths().get(0));
    JsonObject sent = up.bodies().get(0);
    assertEquals("Be brief.", sent.getJsonArray("system").getJsonObject(0).getString("text"));
    assertEquals(100, sent.getJsonObject("inferenceConfig").getInteger("maxTokens"));
    assertEquals("hello", sent.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text"));
    assertTrue(up.authorizations().get(0).contains("SignedHeaders="), up.authorizations().get(0));
  }

  @Test
  void converseStreamIsDecodedAndTranslatedAsItArrives() {
    up.toolUse(true);
    gateway(GatewayFixture.onePool(bedrock("b", up, FakeBedrock.KEY_ID)));

    Reply reply = gw.postBlocking(chat("weather?").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true)));

    assertEquals(200, reply.status(), reply::text);
    assertTrue(up.paths().get(0).endsWith("/converse-stream"));
    List<JsonObject> chunks = AnthropicProviderTest.chunks(reply.text());
    StringBuilder text = new StringBuilder();
    StringBuilder args = new StringBuilder();
    chunks.forEach(c -> {
      JsonObject d = AnthropicProviderTest.delta(c);
      text.append(d.getString("content", ""));
      JsonArray calls = d.getJsonArray("tool_calls");
      if (calls != null) {
        args.append(calls.getJsonObject(0).getJsonObject("function").getString("arguments", ""));
      }
    });
    assertEquals("Hello from Bedrock.", text.toString());
    assertEquals(new JsonObject().put("city", "Paris"), new JsonObject(args.toString()));
    JsonObject usage = chunks.get(chunks.size() - 1).getJsonObject("usage");
    assertEquals(4, usage.getInteger("completion_tokens"));
    assertEquals("tool_calls", chunks.get(chunks.size() - 2).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertTrue(reply.text().endsWith("data: [DONE]\n\n"));
  }

  @Test
  void wrongKeyIsRefusedAndNotRetried() {
    gateway(GatewayFixture.onePool(bedrock("b", up, "AKIDWRONG")));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(403, reply.status(), reply::text);
    assertEquals("The security token included in the request is invalid.",
        reply.json().getJsonObject("error").getString("message"));
  }

  @Test
  void throttlingIsRetriedAndATruncatedStreamToo() {
    FakeBedrock good = await(FakeBedrock.start(vertx));
    up.failWith(429);
    gateway(GatewayFixture.onePool(bedrock("bad", up, FakeBedrock.KEY_ID), bedrock("good", good, FakeBedrock.KEY_ID)));
    for (int i = 0; i < 3; i++) {
      Reply reply = gw.postBlocking(chat("hi"));
      assertEquals(200, reply.status(), reply::text);
      assertEquals("good", reply.header("x-poolgate-instance"));
    }
    up.failWith(0).truncate(true);
    for (int i = 0; i < 3; i++) {
      Reply reply = gw.postBlocking(chat("hi").put("stream", true));
      // cut before messageStop: a failure before the first byte is retried, after it an error event
      assertEquals(200, reply.status(), reply::text);
      boolean good2 = "good".equals(reply.header("x-poolgate-instance"));
      assertTrue(good2 ? reply.text().endsWith("data: [DONE]\n\n") : reply.text().contains("\"error\""), reply.text());
    }
  }

  @Test
  void anthropicClientsGoNativelyThroughInvokeModel() {
    gateway(GatewayFixture.onePool(bedrock("b", up, FakeBedrock.KEY_ID)));
    JsonObject request = MessagesEndpointTest.messages("hello");
    Map<String, String> headers = Map.of("content-type", "application/json", "x-api-key", "sk-client");

    Reply reply = await(gw.post("/v1/messages", request.toBuffer(), headers));
    assertEquals(200, reply.status(), reply::text);
    assertEquals("msg_bedrock01", reply.json().getString("id"));
    assertTrue(up.paths().get(0).endsWith("/invoke"));
    JsonObject sent = up.bodies().get(0);
    assertEquals("bedrock-2023-05-31", sent.getString("anthropic_version"));
    assertFalse(sent.containsKey("model"), "the model is in the path");

    Reply stream = await(gw.post("/v1/messages", request.copy().put("stream", true).toBuffer(), headers));
    assertEquals(200, stream.status(), stream::text);
    assertTrue(up.paths().get(1).endsWith("/invoke-with-response-stream"));
    assertTrue(stream.text().startsWith("event: message_start\n"), stream.text());
    assertTrue(stream.text().contains("Hello from Claude on Bedrock."));
    assertTrue(stream.text().endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    assertFalse(up.bodies().get(1).containsKey("stream"));
  }
}
