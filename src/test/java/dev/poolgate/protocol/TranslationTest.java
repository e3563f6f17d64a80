package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenAI ⇄ Anthropic ⇄ Converse translations, without a server. */
class TranslationTest {

  private static JsonObject msg(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static JsonObject openAiConversation() {
    JsonArray parts = new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "What is this?"))
        .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "https://x.test/a.png")))
        .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "data:image/png;base64,iVBOR")));
    JsonObject call = new JsonObject().put("id", "call_1").put("type", "function")
        .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":\"cat\"}"));
    return new JsonObject().put("model", "m").put("messages", new JsonArray()
            .add(msg("system", "Be brief."))
            .add(msg("user", parts))
            .add(msg("assistant", null).put("tool_calls", new JsonArray().add(call)))
            .add(new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "a cat"))
            .add(msg("user", "thanks")))
        .put("max_completion_tokens", 50).put("stop", new JsonArray().add("X")).put("top_p", 0.9)
        .put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("function",
            new JsonObject().put("name", "lookup").put("description", "look up")
                .put("parameters", new JsonObject().put("type", "object")))))
        .put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "lookup")));
  }

  @Test
  void openAiRequestBecomesMessages() {
    JsonObject out = ChatToMessages.request(openAiConversation(), 4096);

    assertEquals("Be brief.", out.getString("system"));
    assertEquals(50, out.getInteger("max_tokens"));
    assertEquals(new JsonArray().add("X"), out.getJsonArray("stop_sequences"));
    assertEquals(0.9, out.getDouble("top_p"));
    JsonArray messages = out.getJsonArray("messages");
    assertEquals(List.of("user", "assistant", "user"), messages.stream().map(m -> ((JsonObject) m).getString("role")).toList());
    JsonArray user = messages.getJsonObject(0).getJsonArray("content");
    assertEquals("url", user.getJsonObject(1).getJsonObject("source").getString("type"));
    assertEquals(new JsonObject().put("type", "base64").put("media_type", "image/png").put("data", "iVBOR"),
        user.getJsonObject(2).getJsonObject("source"));
    JsonObject toolUse = messages.getJsonObject(1).getJsonArray("content").getJsonObject(0);
    assertEquals(new JsonObject().put("type", "tool_use").put("id", "call_1").put("name", "lookup")
        .put("input", new JsonObject().put("q", "cat")), toolUse);
    JsonArray last = messages.getJsonObject(2).getJsonArray("content");
    assertEquals("tool_result", last.getJsonObject(0).getString("type"), "tool results and the next user turn merge");
    assertEquals("call_1", last.getJsonObject(0).getString("tool_use_id"));
    assertEquals("thanks", last.getJsonObject(1).getString("text"));
    assertEquals(new JsonObject().put("type", "tool").put("name", "lookup"), out.getJsonObject("tool_choice"));
    assertEquals("object", out.getJsonArray("tools").getJsonObject(0).getJsonObject("input_schema").getString("type"));
  }

  @Test
  void toolChoiceWords() {
    JsonObject tools = new JsonObject().put("tools", openAiConversation().getJsonArray("tools"));
    assertEquals("auto", ChatToMessages.request(tools.copy().put("tool_choice", "auto"), 1).getJsonObject("tool_choice").getString("type"));
    assertEquals("none", ChatToMessages.request(tools.copy().put("tool_choice", "none"), 1).getJsonObject("tool_choice").getString("type"));
    assertEquals("any", ChatToMessages.request(tools.copy().put("tool_choice", "required"), 1).getJsonObject("tool_choice").getString("type"));
    assertEquals(7, ChatToMessages.request(tools.copy().put("max_tokens", 7), 1).getInteger("max_tokens"));
    assertEquals(1, ChatToMessages.request(tools.copy(), 1).getInteger("max_tokens"), "the default when absent");
  }

  @Test
  void messagesRoundTripKeepsTheConversation() {
    JsonObject anthropic = ChatToMessages.request(openAiConversation(), 4096);
    JsonObject back = MessagesToChat.request(anthropic.put("model", "m"));

    JsonArray messages = back.getJsonArray("messages");
    assertEquals(List.of("system", "user", "assistant", "tool", "user"),
        messages.stream().map(m -> ((JsonObject) m).getString("role")).toList());
    assertEquals("{\"q\":\"cat\"}", messages.getJsonObject(2).getJsonArray("tool_calls").getJsonObject(0)
        .getJsonObject("function").getString("arguments"));
    assertEquals("data:image/png;base64,iVBOR", messages.getJsonObject(1).getJsonArray("content").getJsonObject(2)
        .getJsonObject("image_url").getString("url"));
    assertEquals(new JsonArray().add("X"), back.getJsonArray("stop"));
    assertEquals("lookup", back.getJsonObject("tool_choice").getJsonObject("function").getString("name"));
  }

  @Test
  void answersAndFinishReasons() {
    JsonObject message = new JsonObject().put("id", "msg_1").put("type", "message").put("model", "claude")
        .put("content", new JsonArray().add(new JsonObject().put("type", "tool_use").put("id", "t1").put("name", "f")
            .put("input", new JsonObject().put("a", 1))))
        .put("stop_reason", "tool_use")
        .put("usage", new JsonObject().put("input_tokens", 3).put("output_tokens", 4).put("cache_read_input_tokens", 2));
    JsonObject completion = ChatToMessages.answer(message, 1);
    JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
    assertEquals("tool_calls", choice.getString("finish_reason"));
    assertNull(choice.getJsonObject("message").getValue("content"));
    assertEquals(5, completion.getJsonObject("usage").getInteger("prompt_tokens"), "cached tokens are prompt tokens");
    assertEquals(4, completion.getJsonObject("usage").getInteger("completion_tokens"));

    JsonObject again = MessagesToChat.answer(completion);
    assertEquals("tool_use", again.getString("stop_reason"));
    assertEquals(new JsonObject().put("a", 1), again.getJsonArray("content").getJsonObject(0).getJsonObject("input"));

    assertEquals("stop", FinishReasons.toOpenAi("end_turn"));
    assertEquals("length", FinishReasons.toOpenAi("max_tokens"));
    assertEquals("stop", FinishReasons.toOpenAi("stop_sequence"));
    assertEquals("max_tokens", FinishReasons.toAnthropic("length"));
    assertThrows(ProtocolException.class, () -> ChatToMessages.answer(new JsonObject().put("type", "error"), 1));
    assertThrows(ProtocolException.class, () -> MessagesToChat.answer(new JsonObject()));
  }

  @Test
  void errorShapes() {
    Buffer anthropic = new JsonObject().put("type", "error").put("error", new JsonObject()
        .put("type", "overloaded_error").put("message", "Overloaded")).toBuffer();
    JsonObject openAi = ErrorBodies.toOpenAi(anthropic, 529).toJsonObject();
    assertEquals("Overloaded", openAi.getJsonObject("error").getString("message"));
    assertEquals("overloaded_error", openAi.getJsonObject("error").getString("type"));
    JsonObject fromHtml = ErrorBodies.toAnthropic(Buffer.buffer("<html>502</html>"), 502).toJsonObject();
    assertEquals("api_error", fromHtml.getJsonObject("error").getString("type"));
    assertEquals(anthropic, ErrorBodies.toAnthropic(anthropic, 529));
  }

  private static List<SseEvent> events(String sse) {
    return new SseFramer().push(Buffer.buffer(sse));
  }

  @Test
  void anthropicStreamBecomesChunksAndBack() {
    String sse = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"c","stop_reason":null,"usage":{"input_tokens":7,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}

        event: message_stop
        data: {"type":"message_stop"}

        """;
    int[] usage = new int[2];
    MessagesStreamToChunks toChunks = new MessagesStreamToChunks(true, (p, c) -> { usage[0] = p; usage[1] = c; }, 1);
    Buffer chunks = Buffer.buffer();
    events(sse).forEach(e -> chunks.appendBuffer(toChunks.translate(e)));
    assertTrue(toChunks.done());
    assertEquals(7, usage[0]);
    assertEquals(9, usage[1]);
    assertTrue(chunks.toString().endsWith("data: [DONE]\n\n"));

    ChunksToMessagesStream back = new ChunksToMessagesStream((p, c) -> { }, "m");
    List<String> types = new ArrayList<>();
    StringBuilder args = new StringBuilder();
    for (SseEvent e : events(chunks.toString())) {
      for (SseEvent out : events(back.translate(e).toString())) {
        types.add(out.event());
        JsonObject data = new JsonObject(out.data());
        if ("input_json_delta".equals(data.getJsonObject("delta", new JsonObject()).getString("type"))) {
          args.append(data.getJsonObject("delta").getString("partial_json"));
        }
        if (out.event().equals("message_delta")) {
          assertEquals("tool_use", data.getJsonObject("delta").getString("stop_reason"));
          assertEquals(9, data.getJsonObject("usage").getInteger("output_tokens"));
        }
      }
    }
    assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop"), types);
    assertEquals("{\"a\":1}", args.toString());
  }

  @Test
  void truncatedAndBrokenStreamsFail() {
    MessagesStreamToChunks toChunks = new MessagesStreamToChunks(false, (p, c) -> { }, 1);
    events("data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n").forEach(toChunks::translate);
    assertThrows(ProtocolException.class, toChunks::finish);
    assertThrows(ProtocolException.class, () -> toChunks.translate(new SseEvent("error",
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
    assertThrows(ProtocolException.class, () -> toChunks.translate(new SseEvent(null, "{not json")));
    ChunksToMessagesStream back = new ChunksToMessagesStream((p, c) -> { }, "m");
    back.translate(new SseEvent(null, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}"));
    assertThrows(ProtocolException.class, back::finish);
  }

  @Test
  void sseFramerKeepsSplitUtf8Whole() {
    byte[] bytes = "data: {\"t\":\"é\"}\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    SseFramer framer = new SseFramer();
    int split = 13; // inside the two bytes of é
    assertTrue(framer.push(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, 0, split))).isEmpty());
    List<SseEvent> out = framer.push(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, split, bytes.length)));
    assertEquals("{\"t\":\"é\"}", out.get(0).data());
    assertFalse(framer.hasPartial());
  }

  @Test
  void converseRequestAndAnswer() {
    JsonObject out = ChatToConverse.request(openAiConversation().put("messages", new JsonArray()
        .add(msg("system", "Be brief."))
        .add(msg("user", new JsonArray().add(new JsonObject().put("type", "image_url")
            .put("image_url", new JsonObject().put("url", "data:image/jpg;base64,AAAA")))))
        .add(msg("assistant", "ok"))));
    assertEquals("Be brief.", out.getJsonArray("system").getJsonObject(0).getString("text"));
    assertEquals(new JsonObject().put("format", "jpeg").put("source", new JsonObject().put("bytes", "AAAA")),
        out.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(0).getJsonObject("image"));
    assertEquals(50, out.getJsonObject("inferenceConfig").getInteger("maxTokens"));
    assertEquals("lookup", out.getJsonObject("toolConfig").getJsonObject("toolChoice").getJsonObject("tool").getString("name"));
    assertThrows(IllegalArgumentException.class, () -> ChatToConverse.request(openAiConversation()),
        "Converse takes no web image URLs");

    JsonObject answer = ChatToConverse.answer(new JsonObject()
        .put("output", new JsonObject().put("message", new JsonObject().put("content", new JsonArray()
            .add(new JsonObject().put("text", "hi")))))
        .put("stopReason", "max_tokens").put("usage", new JsonObject().put("inputTokens", 2).put("outputTokens", 3)), "id", "m", 1);
    assertEquals("length", answer.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(5, answer.getJsonObject("usage").getInteger("total_tokens"));
  }
}
