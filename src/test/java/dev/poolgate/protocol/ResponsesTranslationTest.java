package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Responses API ⇄ chat completions, without a server. */
class ResponsesTranslationTest {

  private static JsonObject conversation() {
    JsonArray input = new JsonArray()
        .add(new JsonObject().put("role", "developer").put("content", "Answer in French."))
        .add(new JsonObject().put("type", "message").put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "input_text").put("text", "What is this?"))
            .add(new JsonObject().put("type", "input_image").put("image_url", "data:image/png;base64,iVBOR")
                .put("detail", "low"))))
        .add(new JsonObject().put("type", "message").put("role", "assistant").put("content", new JsonArray()
            .add(new JsonObject().put("type", "output_text").put("text", "Let me look."))))
        .add(new JsonObject().put("type", "function_call").put("call_id", "call_1").put("name", "lookup")
            .put("arguments", "{\"q\":\"cat\"}"))
        .add(new JsonObject().put("type", "function_call").put("call_id", "call_2").put("name", "lookup")
            .put("arguments", "{\"q\":\"dog\"}"))
        .add(new JsonObject().put("type", "function_call_output").put("call_id", "call_1").put("output", "a cat"))
        .add(new JsonObject().put("type", "function_call_output").put("call_id", "call_2").put("output", "a dog"))
        .add(new JsonObject().put("type", "reasoning").put("id", "rs_1").put("summary", new JsonArray()));
    return new JsonObject().put("model", "m").put("instructions", "Be brief.").put("input", input)
        .put("max_output_tokens", 50).put("temperature", 0.2).put("top_p", 0.9)
        .put("metadata", new JsonObject().put("team", "a"))
        .put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("name", "lookup")
            .put("description", "look up").put("parameters", new JsonObject().put("type", "object"))
            .put("strict", true)))
        .put("tool_choice", new JsonObject().put("type", "function").put("name", "lookup"))
        .put("text", new JsonObject().put("format", new JsonObject().put("type", "json_schema").put("name", "answer")
            .put("schema", new JsonObject().put("type", "object")).put("strict", true)));
  }

  @Test
  void requestBecomesChat() {
    JsonObject chat = ResponsesToChat.request(conversation());

    JsonArray messages = chat.getJsonArray("messages");
    assertEquals(new JsonObject().put("role", "system").put("content", "Be brief."), messages.getJsonObject(0));
    assertEquals(new JsonObject().put("role", "system").put("content", "Answer in French."), messages.getJsonObject(1));
    JsonArray parts = messages.getJsonObject(2).getJsonArray("content");
    assertEquals("text", parts.getJsonObject(0).getString("type"));
    assertEquals("data:image/png;base64,iVBOR", parts.getJsonObject(1).getJsonObject("image_url").getString("url"));
    assertEquals("low", parts.getJsonObject(1).getJsonObject("image_url").getString("detail"));
    // the text said before the calls and both parallel calls are one assistant turn
    JsonObject assistant = messages.getJsonObject(3);
    assertEquals("Let me look.", assistant.getString("content"));
    assertEquals(2, assistant.getJsonArray("tool_calls").size());
    assertEquals("call_2", assistant.getJsonArray("tool_calls").getJsonObject(1).getString("id"));
    assertEquals("{\"q\":\"dog\"}", assistant.getJsonArray("tool_calls").getJsonObject(1)
        .getJsonObject("function").getString("arguments"));
    assertEquals(new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "a cat"),
        messages.getJsonObject(4));
    assertEquals(6, messages.size(), "the reasoning item is dropped");
    assertEquals(50, chat.getInteger("max_tokens"));
    assertEquals(0.2, chat.getDouble("temperature"));
    assertNull(chat.getValue("metadata"));
    JsonObject fn = chat.getJsonArray("tools").getJsonObject(0).getJsonObject("function");
    assertEquals("lookup", fn.getString("name"));
    assertEquals(true, fn.getBoolean("strict"));
    assertEquals("lookup", chat.getJsonObject("tool_choice").getJsonObject("function").getString("name"));
    JsonObject format = chat.getJsonObject("response_format");
    assertEquals("json_schema", format.getString("type"));
    assertEquals("answer", format.getJsonObject("json_schema").getString("name"));
    assertEquals(true, format.getJsonObject("json_schema").getBoolean("strict"));
  }

  @Test
  void stringInputJsonObjectAndStream() {
    JsonObject chat = ResponsesToChat.request(new JsonObject().put("model", "m").put("input", "hi").put("stream", true)
        .put("text", new JsonObject().put("format", new JsonObject().put("type", "json_object"))));

    assertEquals(new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")),
        chat.getJsonArray("messages"));
    assertEquals("json_object", chat.getJsonObject("response_format").getString("type"));
    assertEquals(true, chat.getJsonObject("stream_options").getBoolean("include_usage"));
  }

  @Test
  void whatChatCannotExpressIsRefused() {
    ProtocolException hosted = assertThrows(ProtocolException.class, () -> ResponsesToChat.request(new JsonObject()
        .put("input", "hi").put("tools", new JsonArray().add(new JsonObject().put("type", "web_search")))));
    assertTrue(hosted.getMessage().startsWith("tools[0]"), hosted.getMessage());
    ProtocolException reference = assertThrows(ProtocolException.class, () -> ResponsesToChat.request(new JsonObject()
        .put("input", new JsonArray().add(new JsonObject().put("type", "item_reference").put("id", "msg_1")))));
    assertTrue(reference.getMessage().contains("does not keep"), reference.getMessage());
    assertThrows(ProtocolException.class, () -> ResponsesToChat.request(new JsonObject().put("input", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "input_file").put("file_id", "file_1")))))));
  }

  @Test
  void completionBecomesResponse() {
    JsonObject completion = new JsonObject().put("id", "chatcmpl-1").put("created", 1700000000).put("model", "gpt-x")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "tool_calls")
            .put("message", new JsonObject().put("role", "assistant").put("content", "Looking.")
                .put("tool_calls", new JsonArray().add(new JsonObject().put("id", "call_9").put("type", "function")
                    .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":1}")))))))
        .put("usage", new JsonObject().put("prompt_tokens", 7).put("completion_tokens", 3)
            .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 2)));

    JsonObject response = ResponsesToChat.answer(completion, conversation());

    assertEquals("response", response.getString("object"));
    assertTrue(response.getString("id").startsWith("resp_"));
    assertEquals("completed", response.getString("status"));
    assertEquals(1700000000L, response.getLong("created_at"));
    assertEquals("gpt-x", response.getString("model"));
    JsonArray output = response.getJsonArray("output");
    assertEquals("Looking.", output.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text"));
    assertEquals("output_text", output.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("type"));
    JsonObject call = output.getJsonObject(1);
    assertEquals("function_call", call.getString("type"));
    assertEquals("call_9", call.getString("call_id"));
    assertEquals("{\"q\":1}", call.getString("arguments"));
    assertTrue(call.getString("id").startsWith("fc_"));
    JsonObject usage = response.getJsonObject("usage");
    assertEquals(7, usage.getInteger("input_tokens"));
    assertEquals(3, usage.getInteger("output_tokens"));
    assertEquals(10, usage.getInteger("total_tokens"));
    assertEquals(2, usage.getJsonObject("input_tokens_details").getInteger("cached_tokens"));
    // the request's settings are echoed
    assertEquals("Be brief.", response.getString("instructions"));
    assertEquals(50, response.getInteger("max_output_tokens"));
    assertEquals("a", response.getJsonObject("metadata").getString("team"));
    assertEquals("json_schema", response.getJsonObject("text").getJsonObject("format").getString("type"));
    assertEquals(false, response.getBoolean("store"));

    completion.getJsonArray("choices").getJsonObject(0).put("finish_reason", "length");
    JsonObject cut = ResponsesToChat.answer(completion, new JsonObject().put("model", "m"));
    assertEquals("incomplete", cut.getString("status"));
    assertEquals("max_output_tokens", cut.getJsonObject("incomplete_details").getString("reason"));
  }

  private static List<JsonObject> events(Buffer bytes) {
    List<JsonObject> out = new ArrayList<>();
    for (SseEvent e : new SseFramer().push(bytes)) {
      JsonObject data = new JsonObject(e.data());
      assertEquals(e.event(), data.getString("type"));
      out.add(data);
    }
    return out;
  }

  private static SseEvent chunk(JsonObject delta, String finish) {
    return new SseEvent(null, new JsonObject().put("id", "c1").put("created", 1700000000).put("model", "gpt-x")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
            .put("finish_reason", finish))).encode());
  }

  @Test
  void chunksBecomeTheResponsesEventSequence() {
    int[] counted = new int[2];
    ChunksToResponsesStream translation = new ChunksToResponsesStream(new JsonObject().put("model", "m"),
        (in, out) -> {
          counted[0] = in;
          counted[1] = out;
        }, "inst-model");
    Buffer wire = Buffer.buffer();
    wire.appendBuffer(translation.translate(chunk(new JsonObject().put("role", "assistant").put("content", ""), null)));
    wire.appendBuffer(translation.translate(chunk(new JsonObject().put("content", "Hel"), null)));
    wire.appendBuffer(translation.translate(chunk(new JsonObject().put("content", "lo"), null)));
    JsonObject call = new JsonObject().put("index", 0).put("id", "call_1").put("type", "function")
        .put("function", new JsonObject().put("name", "lookup").put("arguments", ""));
    wire.appendBuffer(translation.translate(chunk(new JsonObject().put("tool_calls", new JsonArray().add(call)), null)));
    JsonObject args = new JsonObject().put("index", 0).put("function", new JsonObject().put("arguments", "{\"q\":1}"));
    wire.appendBuffer(translation.translate(chunk(new JsonObject().put("tool_calls", new JsonArray().add(args)),
        "tool_calls")));
    wire.appendBuffer(translation.translate(new SseEvent(null, new JsonObject().put("id", "c1")
        .put("choices", new JsonArray()).put("usage", new JsonObject().put("prompt_tokens", 4)
            .put("completion_tokens", 2)).encode())));
    wire.appendBuffer(translation.translate(new SseEvent(null, "[DONE]")));
    assertEquals(0, translation.finish().length());

    List<JsonObject> events = events(wire);
    List<String> types = events.stream().map(e -> e.getString("type")).toList();
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done", "response.completed"), types);
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i, events.get(i).getInteger("sequence_number"));
    }
    assertEquals("Hello", events.get(6).getString("text"));
    assertEquals(0, events.get(4).getInteger("output_index"));
    assertEquals(1, events.get(10).getInteger("output_index"));
    assertEquals("{\"q\":1}", events.get(11).getString("arguments"));
    JsonObject item = events.get(12).getJsonObject("item");
    assertEquals("call_1", item.getString("call_id"));
    assertEquals("completed", item.getString("status"));
    JsonObject done = events.get(13).getJsonObject("response");
    assertEquals("completed", done.getString("status"));
    assertEquals(2, done.getJsonArray("output").size());
    assertEquals(6, done.getJsonObject("usage").getInteger("total_tokens"));
    assertEquals(events.get(0).getJsonObject("response").getString("id"), done.getString("id"));
    assertEquals("gpt-x", done.getString("model"), "the chunks' model, as in a whole answer");
    assertEquals(4, counted[0]);
    assertEquals(2, counted[1]);
  }

  @Test
  void brokenChunkStreamsFail() {
    ChunksToResponsesStream cut = new ChunksToResponsesStream(new JsonObject(), (a, b) -> { }, "m");
    cut.translate(chunk(new JsonObject().put("content", "Hi"), null));
    assertThrows(ProtocolException.class, cut::finish);
    ChunksToResponsesStream failed = new ChunksToResponsesStream(new JsonObject(), (a, b) -> { }, "m");
    assertThrows(ProtocolException.class, () -> failed.translate(new SseEvent(null,
        new JsonObject().put("error", new JsonObject().put("message", "overloaded")).encode())));
  }

  @Test
  void passThroughCountsUsageAndNeedsItsEnd() {
    int[] counted = new int[2];
    ResponsesStreamPassThrough relay = new ResponsesStreamPassThrough((in, out) -> {
      counted[0] = in;
      counted[1] = out;
    });
    String delta = new JsonObject().put("type", "response.output_text.delta").put("delta", "Hi")
        .put("sequence_number", 3).encode();
    assertEquals("event: response.output_text.delta\ndata: " + delta + "\n\n",
        relay.translate(new SseEvent("response.output_text.delta", delta)).toString());
    assertThrows(ProtocolException.class, relay::finish);
    String split = "{\"type\":\"response.output_text.delta\",\n\"delta\":\"Hi\"}";
    assertEquals("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n",
        relay.translate(new SseEvent(null, split)).toString());
    relay.translate(new SseEvent("response.completed", new JsonObject().put("type", "response.completed")
        .put("response", new JsonObject().put("usage", new JsonObject().put("input_tokens", 9)
            .put("output_tokens", 4))).encode()));
    assertEquals(0, relay.finish().length());
    assertEquals(9, counted[0]);
    assertEquals(4, counted[1]);
    assertThrows(ProtocolException.class, () -> new ResponsesStreamPassThrough((a, b) -> { })
        .translate(new SseEvent("error", new JsonObject().put("type", "error").put("message", "boom").encode())));
  }
}
