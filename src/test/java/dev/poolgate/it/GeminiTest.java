package dev.poolgate.it;

import dev.poolgate.testing.FakeGemini;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gemini instances behind the OpenAI API: translation both ways, streams, errors, malformed answers. */
class GeminiTest extends GatewayTestBase {

  private FakeGemini gemini() {
    return await(FakeGemini.start(vertx));
  }

  static JsonObject gemini(String id, FakeGemini fake) {
    return new JsonObject().put("id", id).put("provider", "gemini").put("base_url", fake.baseUrl())
        .put("api_key", FakeGemini.KEY).put("model", "gemini-2.0-flash").put("max_concurrency", 2)
        .put("timeout_ms", 5_000).put("connect_timeout_ms", 1_000);
  }

  private static List<JsonObject> chunks(String sse) {
    List<JsonObject> out = new ArrayList<>();
    for (String e : sse.split("\n\n")) {
      if (e.startsWith("data: {")) {
        out.add(new JsonObject(e.substring(6)));
      }
    }
    return out;
  }

  @Test
  void chatIsTranslatedBothWays() {
    FakeGemini up = gemini();
    gateway(onePool(gemini("g", up)));

    JsonObject request = chat("Hello").put("temperature", 0.5).put("max_tokens", 64);
    request.getJsonArray("messages").add(0, new JsonObject().put("role", "system").put("content", "Be nice."));
    Reply r = gw.postBlocking(request);

    assertEquals(200, r.status(), r.text());
    JsonObject answer = r.json();
    assertEquals("chat.completion", answer.getString("object"));
    assertEquals("Hello from Gemini.", answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals("stop", answer.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(10, answer.getJsonObject("usage").getInteger("total_tokens"));
    assertEquals("/v1beta/models/gemini-2.0-flash:generateContent", up.paths().get(0));
    JsonObject sent = up.bodies().get(0);
    assertEquals("Be nice.", sent.getJsonObject("systemInstruction").getJsonArray("parts").getJsonObject(0).getString("text"));
    assertEquals(64, sent.getJsonObject("generationConfig").getInteger("maxOutputTokens"));
  }

  @Test
  void streamsAreTranslatedChunkByChunk() {
    FakeGemini up = gemini();
    gateway(onePool(gemini("g", up)));

    Reply r = gw.postBlocking(chat("Hello").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true)));

    assertEquals(200, r.status(), r.text());
    assertTrue(r.header("content-type").startsWith("text/event-stream"));
    assertEquals("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", up.paths().get(0));
    List<JsonObject> chunks = chunks(r.text());
    assertEquals(4, chunks.size(), r.text());
    StringBuilder text = new StringBuilder();
    chunks.forEach(c -> c.getJsonArray("choices").forEach(ch ->
        text.append(((JsonObject) ch).getJsonObject("delta").getString("content", ""))));
    assertEquals("Hello from Gemini.", text.toString());
    assertEquals("stop", chunks.get(2).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(10, chunks.get(3).getJsonObject("usage").getInteger("total_tokens"));
    assertTrue(r.text().endsWith("data: [DONE]\n\n"));
  }

  @Test
  void functionCallsComeBackAsToolCalls() {
    FakeGemini up = gemini().pieces(List.of()).functionCall("weather", new JsonObject().put("city", "Paris"));
    gateway(onePool(gemini("g", up)));
    JsonObject request = chat("Weather?").put("tools", new JsonArray().add(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "weather").put("parameters", new JsonObject().put("type", "object")))));

    Reply r = gw.postBlocking(request);
    JsonObject choice = r.json().getJsonArray("choices").getJsonObject(0);
    assertEquals("tool_calls", choice.getString("finish_reason"));
    assertEquals("weather", choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0)
        .getJsonObject("function").getString("name"));
    assertEquals("weather", up.bodies().get(0).getJsonArray("tools").getJsonObject(0)
        .getJsonArray("functionDeclarations").getJsonObject(0).getString("name"));

    Reply s = gw.postBlocking(request.copy().put("stream", true));
    assertTrue(s.text().contains("\"tool_calls\":[{\"index\":0"), s.text());
    assertTrue(s.text().contains("\"finish_reason\":\"tool_calls\""));
  }

  @Test
  void clientErrorsComeBackInTheOpenAiShapeAndAreNotRetried() {
    FakeGemini up = gemini().failWith(400);
    gateway(onePool(gemini("g", up)));

    Reply r = gw.postBlocking(chat("Hello"));

    assertEquals(400, r.status());
    JsonObject error = r.json().getJsonObject("error");
    assertEquals("fake gemini error 400", error.getString("message"));
    assertEquals("INVALID_ARGUMENT", error.getString("code"));
    assertEquals("invalid_request_error", error.getString("type"));
    assertEquals(1, up.requests());
  }

  @Test
  void overloadAndServerErrorsAreRetriedOnAnotherInstance() {
    FakeGemini bad = gemini();
    FakeGemini good = gemini();
    gateway(onePool(gemini("bad", bad).put("weight", 1000), gemini("good", good)));
    for (int status : new int[] {429, 500, 503}) {
      bad.failWith(status);
      Reply r = gw.postBlocking(chat("Hello"));
      assertEquals(200, r.status(), status + ": " + r.text());
      assertEquals("good", r.header("x-poolgate-instance"));
    }
  }

  @Test
  void malformedAnswersAreRetriedBeforeTheFirstByte() {
    String[][] malformed = {
        {"200", "application/json", "{\"candidates\": [oops"},
        {"200", "application/json", "{\"something\": \"else\"}"},
        {"200", "text/plain", "Hello"},
        {"502", "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"},
    };
    FakeGemini bad = gemini();
    FakeGemini good = gemini();
    gateway(onePool(gemini("bad", bad).put("weight", 1000), gemini("good", good)));
    for (String[] m : malformed) {
      bad.answerRaw(Integer.parseInt(m[0]), m[1], m[2]);
      Reply r = gw.postBlocking(chat("Hello"));
      assertEquals(200, r.status(), m[2] + ": " + r.text());
      assertEquals("good", r.header("x-poolgate-instance"));
    }
    bad.succeed().breakAfter(0);
    Reply r = gw.postBlocking(chat("Hello").put("stream", true));
    assertEquals("good", r.header("x-poolgate-instance"), "a stream broken before any event is retried");
  }

  @Test
  void aStreamCutAfterItStartedEndsWithAnErrorEventAndNoDone() {
    for (boolean cleanEnd : new boolean[] {false, true}) {
      FakeGemini up = gemini().eventDelay(50);
      if (cleanEnd) {
        up.endWithoutFinish();
      } else {
        up.breakAfter(2);
      }
      if (gw != null) {
        gw.assertNoLeak();
        await(gw.close());
      }
      gateway(onePool(gemini("g", up)));

      Reply r = gw.postBlocking(chat("Hello").put("stream", true));

      assertEquals(200, r.status());
      assertTrue(r.text().contains("\"error\""), r.text());
      assertFalse(r.text().contains("[DONE]"), r.text());
    }
  }

  @Test
  void geminiServesNoEmbeddingsAndNoLegacyCompletions() {
    FakeGemini up = gemini();
    gateway(onePool(gemini("g", up)));

    Reply e = await(gw.post("/v1/embeddings", new JsonObject().put("model", "gpt-test").put("input", "hi").toBuffer(),
        java.util.Map.of("content-type", "application/json")));
    Reply c = await(gw.post("/v1/completions", new JsonObject().put("model", "gpt-test").put("prompt", "hi").toBuffer(),
        java.util.Map.of("content-type", "application/json")));

    assertEquals(400, e.status());
    assertTrue(e.json().getJsonObject("error").getString("message").contains("/v1/embeddings"));
    assertEquals(400, c.status());
    assertEquals(0, up.requests());
  }
}
