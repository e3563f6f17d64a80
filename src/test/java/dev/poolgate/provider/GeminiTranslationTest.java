package dev.poolgate.provider;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenAI chat ↔ Gemini, both ways, on the real wire shapes. */
class GeminiTranslationTest {

  private static JsonObject msg(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static JsonObject chat(JsonObject... messages) {
    return new JsonObject().put("model", "gemini-x").put("messages", new JsonArray(java.util.List.of((Object[]) messages)));
  }

  @Test
  void systemBecomesSystemInstructionAndTurnsAlternateUserModel() {
    JsonObject g = GeminiRequestTranslator.translate(chat(msg("system", "Be brief."), msg("user", "Hi"),
        msg("assistant", "Hello!"), msg("user", "How are you?")));

    assertEquals(new JsonObject().put("parts", new JsonArray().add(new JsonObject().put("text", "Be brief."))),
        g.getJsonObject("systemInstruction"));
    JsonArray contents = g.getJsonArray("contents");
    assertEquals(3, contents.size());
    assertEquals("user", contents.getJsonObject(0).getString("role"));
    assertEquals("model", contents.getJsonObject(1).getString("role"));
    assertEquals("Hello!", contents.getJsonObject(1).getJsonArray("parts").getJsonObject(0).getString("text"));
    assertEquals("How are you?", contents.getJsonObject(2).getJsonArray("parts").getJsonObject(0).getString("text"));
    assertFalse(g.containsKey("model"), "the model goes in the URL");
  }

  @Test
  void imagesBecomeInlineDataOrFileData() {
    JsonArray content = new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "What is this?"))
        .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "data:image/png;base64,iVBOR")))
        .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "https://x.test/cat.webp?s=1")));
    JsonArray parts = GeminiRequestTranslator.translate(chat(msg("user", content)))
        .getJsonArray("contents").getJsonObject(0).getJsonArray("parts");

    assertEquals("What is this?", parts.getJsonObject(0).getString("text"));
    assertEquals(new JsonObject().put("mimeType", "image/png").put("data", "iVBOR"), parts.getJsonObject(1).getJsonObject("inlineData"));
    assertEquals(new JsonObject().put("mimeType", "image/webp").put("fileUri", "https://x.test/cat.webp?s=1"),
        parts.getJsonObject(2).getJsonObject("fileData"));
  }

  @Test
  void toolsToolChoiceToolCallsAndToolResults() {
    JsonObject params = new JsonObject().put("type", "object").put("$schema", "http://json-schema.org/draft-07/schema#")
        .put("additionalProperties", false)
        .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string")));
    JsonObject request = chat(msg("user", "Weather in Paris and Rome?"),
        new JsonObject().put("role", "assistant").put("content", null).put("tool_calls", new JsonArray()
            .add(call("call_1", "weather", "{\"city\":\"Paris\"}"))
            .add(call("call_2", "weather", "{\"city\":\"Rome\"}"))),
        new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "{\"temp\":21}"),
        new JsonObject().put("role", "tool").put("tool_call_id", "call_2").put("content", "sunny"))
        .put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("function",
            new JsonObject().put("name", "weather").put("description", "Weather now").put("parameters", params))))
        .put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "weather")));

    JsonObject g = GeminiRequestTranslator.translate(request);

    JsonObject decl = g.getJsonArray("tools").getJsonObject(0).getJsonArray("functionDeclarations").getJsonObject(0);
    assertEquals("weather", decl.getString("name"));
    assertEquals("Weather now", decl.getString("description"));
    assertEquals(new JsonObject().put("type", "object")
        .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string"))), decl.getJsonObject("parameters"));
    assertEquals(new JsonObject().put("functionCallingConfig", new JsonObject().put("mode", "ANY")
        .put("allowedFunctionNames", new JsonArray().add("weather"))), g.getJsonObject("toolConfig"));
    JsonArray contents = g.getJsonArray("contents");
    assertEquals(3, contents.size(), "user, model with two calls, one user turn with both results");
    JsonArray calls = contents.getJsonObject(1).getJsonArray("parts");
    assertEquals(new JsonObject().put("name", "weather").put("args", new JsonObject().put("city", "Rome")),
        calls.getJsonObject(1).getJsonObject("functionCall"));
    JsonArray results = contents.getJsonObject(2).getJsonArray("parts");
    assertEquals("user", contents.getJsonObject(2).getString("role"));
    assertEquals(new JsonObject().put("name", "weather").put("response", new JsonObject().put("temp", 21)),
        results.getJsonObject(0).getJsonObject("functionResponse"));
    assertEquals(new JsonObject().put("name", "weather").put("response", new JsonObject().put("content", "sunny")),
        results.getJsonObject(1).getJsonObject("functionResponse"));
  }

  @Test
  void toolChoiceStrings() {
    for (String[] c : new String[][] {{"auto", "AUTO"}, {"none", "NONE"}, {"required", "ANY"}}) {
      JsonObject g = GeminiRequestTranslator.translate(chat(msg("user", "x")).put("tool_choice", c[0]));
      assertEquals(c[1], g.getJsonObject("toolConfig").getJsonObject("functionCallingConfig").getString("mode"));
    }
  }

  @Test
  void samplingParametersBecomeGenerationConfig() {
    JsonObject g = GeminiRequestTranslator.translate(chat(msg("user", "x")).put("temperature", 0.3).put("top_p", 0.9)
        .put("max_tokens", 100).put("stop", "END").put("n", 2));
    assertEquals(new JsonObject().put("temperature", 0.3).put("topP", 0.9).put("maxOutputTokens", 100)
        .put("candidateCount", 2).put("stopSequences", new JsonArray().add("END")), g.getJsonObject("generationConfig"));
  }

  @Test
  void whatGeminiCannotTakeIsTheClientsBadRequest() {
    UpstreamException e = assertThrows(UpstreamException.class,
        () -> GeminiRequestTranslator.translate(chat(msg("narrator", "x"))));
    assertEquals(400, e.upstreamStatus());
    assertTrue(e.passThrough());
    assertEquals("invalid_request_error", e.upstreamBody().toJsonObject().getJsonObject("error").getString("type"));
  }

  @Test
  void textAnswerBecomesAChatCompletionWithUsage() {
    JsonObject answer = new JsonObject()
        .put("candidates", new JsonArray().add(new JsonObject().put("index", 0).put("finishReason", "STOP")
            .put("content", new JsonObject().put("role", "model").put("parts", new JsonArray()
                .add(new JsonObject().put("text", "Hello ")).add(new JsonObject().put("text", "there."))))))
        .put("usageMetadata", new JsonObject().put("promptTokenCount", 5).put("candidatesTokenCount", 2).put("totalTokenCount", 7))
        .put("modelVersion", "gemini-2.0-flash");

    JsonObject c = GeminiResponseTranslator.completion(answer, "chatcmpl-1", 42, "gemini-x");

    assertEquals("chat.completion", c.getString("object"));
    assertEquals("gemini-2.0-flash", c.getString("model"));
    JsonObject choice = c.getJsonArray("choices").getJsonObject(0);
    assertEquals("Hello there.", choice.getJsonObject("message").getString("content"));
    assertEquals("assistant", choice.getJsonObject("message").getString("role"));
    assertEquals("stop", choice.getString("finish_reason"));
    assertEquals(new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 2).put("total_tokens", 7), c.getJsonObject("usage"));
  }

  @Test
  void functionCallsBecomeToolCalls() {
    JsonObject answer = new JsonObject().put("candidates", new JsonArray().add(new JsonObject().put("finishReason", "STOP")
        .put("content", new JsonObject().put("role", "model").put("parts", new JsonArray()
            .add(new JsonObject().put("functionCall", new JsonObject().put("name", "weather")
                .put("args", new JsonObject().put("city", "Paris"))))))));

    JsonObject choice = GeminiResponseTranslator.completion(answer, "c", 1, "m").getJsonArray("choices").getJsonObject(0);

    assertEquals("tool_calls", choice.getString("finish_reason"));
    assertNull(choice.getJsonObject("message").getValue("content"));
    JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
    assertEquals("function", call.getString("type"));
    assertEquals("weather", call.getJsonObject("function").getString("name"));
    assertEquals(new JsonObject().put("city", "Paris"), new JsonObject(call.getJsonObject("function").getString("arguments")));
    assertTrue(call.getString("id").startsWith("call_"));
  }

  @Test
  void finishReasonsMap() {
    assertEquals("stop", GeminiResponseTranslator.finishReason("STOP", false));
    assertEquals("length", GeminiResponseTranslator.finishReason("MAX_TOKENS", false));
    assertEquals("content_filter", GeminiResponseTranslator.finishReason("SAFETY", false));
    assertEquals("content_filter", GeminiResponseTranslator.finishReason("RECITATION", false));
    assertEquals("stop", GeminiResponseTranslator.finishReason("OTHER", false));
    assertNull(GeminiResponseTranslator.finishReason(null, false));
  }

  @Test
  void aBlockedPromptIsAContentFilterStopAndAnythingElseWithoutCandidatesIsMalformed() {
    JsonObject blocked = new JsonObject().put("promptFeedback", new JsonObject().put("blockReason", "SAFETY"));
    assertEquals("content_filter", GeminiResponseTranslator.completion(blocked, "c", 1, "m")
        .getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertThrows(IllegalArgumentException.class,
        () -> GeminiResponseTranslator.completion(new JsonObject().put("foo", 1), "c", 1, "m"));
  }

  @Test
  void errorsBecomeTheOpenAiShape() {
    Buffer gemini = new JsonObject().put("error", new JsonObject().put("code", 400)
        .put("message", "Invalid JSON payload").put("status", "INVALID_ARGUMENT")).toBuffer();
    JsonObject e = GeminiResponseTranslator.errorBody(400, gemini).toJsonObject().getJsonObject("error");
    assertEquals("Invalid JSON payload", e.getString("message"));
    assertEquals("invalid_request_error", e.getString("type"));
    assertEquals("INVALID_ARGUMENT", e.getString("code"));
    assertTrue(e.containsKey("param"));

    JsonObject html = GeminiResponseTranslator.errorBody(502, Buffer.buffer("<html><body>Bad Gateway</body></html>"))
        .toJsonObject().getJsonObject("error");
    assertEquals("server_error", html.getString("type"));
    assertTrue(html.getString("message").contains("502"));
    assertEquals("rate_limit_error", GeminiResponseTranslator.errorBody(429, gemini).toJsonObject()
        .getJsonObject("error").getString("type"));
  }

  @Test
  void streamedAnswersBecomeChunksRoleFirstToolCallsIndexedFinishLast() {
    GeminiResponseTranslator.Stream s = new GeminiResponseTranslator.Stream("chatcmpl-s", 7, "m");
    JsonArray first = s.chunks(streamed(new JsonObject().put("text", "Hi"), null));
    JsonObject delta = first.getJsonObject(0).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
    assertEquals(new JsonObject().put("role", "assistant").put("content", "Hi"), delta);
    assertFalse(s.finished());

    JsonArray last = s.chunks(streamed(new JsonObject().put("functionCall", new JsonObject().put("name", "f")
        .put("args", new JsonObject())), "STOP").put("usageMetadata",
        new JsonObject().put("promptTokenCount", 3).put("candidatesTokenCount", 4)));
    JsonObject choice = last.getJsonObject(0).getJsonArray("choices").getJsonObject(0);
    assertFalse(choice.getJsonObject("delta").containsKey("role"));
    assertEquals(0, choice.getJsonObject("delta").getJsonArray("tool_calls").getJsonObject(0).getInteger("index"));
    assertEquals("tool_calls", choice.getString("finish_reason"));
    assertTrue(s.finished());
    assertEquals(7, s.usageChunk().getJsonObject("usage").getInteger("total_tokens"));
    assertEquals("chat.completion.chunk", s.usageChunk().getString("object"));
    assertTrue(s.usageChunk().getJsonArray("choices").isEmpty());
  }

  static JsonObject streamed(JsonObject part, String finish) {
    JsonObject candidate = new JsonObject().put("index", 0)
        .put("content", new JsonObject().put("role", "model").put("parts", new JsonArray().add(part)));
    if (finish != null) {
      candidate.put("finishReason", finish);
    }
    return new JsonObject().put("candidates", new JsonArray().add(candidate));
  }

  private static JsonObject call(String id, String name, String args) {
    return new JsonObject().put("id", id).put("type", "function")
        .put("function", new JsonObject().put("name", name).put("arguments", args));
  }
}
