package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An OpenAI chunk stream → the Responses API event sequence, chunk by chunk: {@code response.created}
 * and {@code response.in_progress} on the first chunk; per run of text a message item
 * ({@code response.output_item.added}, {@code response.content_part.added}, the
 * {@code response.output_text.delta}s, then {@code .output_text.done}, {@code .content_part.done},
 * {@code .output_item.done}); per tool call a {@code function_call} item with its
 * {@code response.function_call_arguments.delta}s and {@code .done}; at {@code [DONE]}
 * {@code response.completed} (or {@code response.incomplete}) carrying the whole response and its
 * usage. Every event has its {@code sequence_number}.
 */
public final class ChunksToResponsesStream implements StreamTranslation<SseEvent> {
  private static final Buffer EMPTY = Buffer.buffer();
  private final TokenCounts usage;
  private final JsonObject request;
  /** The model the client sees: the chunks' own once one names it, else the instance's. */
  private String model;
  private final String responseId = ResponsesToChat.responseId();
  private final JsonArray output = new JsonArray();
  private long createdAt;
  private int sequence;
  private boolean started;
  private boolean done;
  /** The open output item: a message (tool index -1) or a function call (its chat tool index); null if none. */
  private String itemId;
  private int openTool = -1;
  private String callId;
  private String toolName;
  private final StringBuilder itemText = new StringBuilder();
  private String finishReason;
  private int promptTokens;
  private int completionTokens;
  private JsonObject chatUsage;

  /**
   * @param request the client's Responses request (echoed in the response objects)
   * @param model   the model name the client sees if the chunks name none
   */
  public ChunksToResponsesStream(JsonObject request, TokenCounts usage, String model) {
    this.request = request;
    this.usage = usage;
    this.model = model;
  }

  @Override
  public Buffer translate(SseEvent event) {
    if (done) {
      return EMPTY;
    }
    if ("[DONE]".equals(event.data().trim())) {
      return end();
    }
    JsonObject chunk;
    try {
      chunk = new JsonObject(event.data());
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException("a stream chunk is not valid JSON");
    }
    if (Json.object(chunk.getValue("error")) != null) {
      throw new ProtocolException("the upstream stream failed: " + chunk.getJsonObject("error").getValue("message"));
    }
    Buffer out = Buffer.buffer();
    if (!started) {
      started = true;
      createdAt = chunk.getValue("created") instanceof Number n ? n.longValue() : System.currentTimeMillis() / 1000;
      if (chunk.getValue("model") instanceof String named && !named.isEmpty()) {
        model = named;
      }
      JsonObject initial = response(null, null);
      out.appendBuffer(event("response.created", new JsonObject().put("response", initial)));
      out.appendBuffer(event("response.in_progress", new JsonObject().put("response", initial)));
    }
    JsonObject u = Json.object(chunk.getValue("usage"));
    if (u != null) {
      chatUsage = u;
      promptTokens = Json.integer(u, "prompt_tokens");
      completionTokens = Json.integer(u, "completion_tokens");
      usage.set(promptTokens, completionTokens);
    }
    for (Object c : Json.array(chunk.getValue("choices"))) {
      if (c instanceof JsonObject choice) {
        choice(choice, out);
      }
    }
    return out;
  }

  private void choice(JsonObject choice, Buffer out) {
    JsonObject delta = Json.object(choice.getValue("delta"));
    if (delta != null) {
      if (delta.getValue("content") instanceof String text && !text.isEmpty()) {
        if (itemId == null || openTool >= 0) {
          openMessage(out);
        }
        itemText.append(text);
        out.appendBuffer(event("response.output_text.delta", part().put("delta", text).put("logprobs", new JsonArray())));
      }
      for (Object t : Json.array(delta.getValue("tool_calls"))) {
        if (t instanceof JsonObject call) {
          toolCall(call, out);
        }
      }
    }
    if (choice.getValue("finish_reason") instanceof String reason) {
      finishReason = reason;
    }
  }

  private void toolCall(JsonObject call, Buffer out) {
    int index = Json.integer(call, "index");
    JsonObject fn = Json.object(call.getValue("function"));
    if (itemId == null || openTool != index) {
      close(out);
      itemId = ResponsesToChat.itemId("fc");
      openTool = index;
      callId = Json.string(call.getValue("id"));
      toolName = fn == null ? null : Json.string(fn.getValue("name"));
      out.appendBuffer(event("response.output_item.added", new JsonObject().put("output_index", output.size())
          .put("item", ResponsesToChat.functionCall(itemId, callId, toolName, "", "in_progress"))));
    }
    if (fn != null && fn.getValue("arguments") instanceof String args && !args.isEmpty()) {
      itemText.append(args);
      out.appendBuffer(event("response.function_call_arguments.delta", new JsonObject().put("item_id", itemId)
          .put("output_index", output.size()).put("delta", args)));
    }
  }

  private void openMessage(Buffer out) {
    close(out);
    itemId = ResponsesToChat.itemId("msg");
    openTool = -1;
    out.appendBuffer(event("response.output_item.added", new JsonObject().put("output_index", output.size())
        .put("item", ResponsesToChat.messageItem(itemId, "in_progress", new JsonArray()))));
    out.appendBuffer(event("response.content_part.added", part().put("part", ResponsesToChat.textPart(""))));
  }

  /** The fields that place an event in the open message's text part. */
  private JsonObject part() {
    return new JsonObject().put("item_id", itemId).put("output_index", output.size()).put("content_index", 0);
  }

  private void close(Buffer out) {
    if (itemId == null) {
      return;
    }
    String text = itemText.toString();
    JsonObject item;
    if (openTool < 0) {
      out.appendBuffer(event("response.output_text.done", part().put("text", text).put("logprobs", new JsonArray())));
      out.appendBuffer(event("response.content_part.done", part().put("part", ResponsesToChat.textPart(text))));
      item = ResponsesToChat.messageItem(itemId, "completed", new JsonArray().add(ResponsesToChat.textPart(text)));
    } else {
      out.appendBuffer(event("response.function_call_arguments.done", new JsonObject().put("item_id", itemId)
          .put("output_index", output.size()).put("name", toolName).put("arguments", text)));
      item = ResponsesToChat.functionCall(itemId, callId, toolName, text, "completed");
    }
    out.appendBuffer(event("response.output_item.done", new JsonObject().put("output_index", output.size())
        .put("item", item)));
    output.add(item);
    itemId = null;
    openTool = -1;
    itemText.setLength(0);
  }

  private Buffer end() {
    if (!started) {
      throw new ProtocolException("the stream ended before any chunk");
    }
    done = true;
    Buffer out = Buffer.buffer();
    close(out);
    JsonObject last = response(finishReason == null ? "stop" : finishReason,
        ResponsesToChat.usage(promptTokens, completionTokens, chatUsage));
    String type = "incomplete".equals(last.getValue("status")) ? "response.incomplete" : "response.completed";
    return out.appendBuffer(event(type, new JsonObject().put("response", last)));
  }

  private JsonObject response(String finish, JsonObject usage) {
    return ResponsesToChat.response(request, responseId, createdAt, model, finish, output.copy(), usage);
  }

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public Buffer finish() {
    if (!done) {
      throw new ProtocolException("the stream ended without data: [DONE]");
    }
    return EMPTY;
  }

  private Buffer event(String type, JsonObject body) {
    JsonObject data = new JsonObject().put("type", type);
    body.forEach(e -> data.put(e.getKey(), e.getValue()));
    data.put("sequence_number", sequence++);
    return SseEvent.named(type, data.encode());
  }
}
