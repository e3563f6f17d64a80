package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * An Anthropic Messages stream → OpenAI {@code chat.completion.chunk} events, event by event:
 * text deltas become content deltas, a {@code tool_use} block becomes a tool call (index, id and
 * name on its first chunk, then {@code input_json_delta}s as argument deltas), {@code message_delta}
 * the finish chunk, {@code message_stop} the usage chunk (if the client asked) and {@code [DONE]}.
 */
public final class MessagesStreamToChunks implements StreamTranslation<SseEvent> {
  private static final Buffer EMPTY = Buffer.buffer();
  private final boolean includeUsage;
  private final TokenCounts usage;
  private final long created;
  /** Anthropic content block index → OpenAI tool call index. */
  private final Map<Integer, Integer> toolIndex = new HashMap<>();
  private String id = "";
  private String model = "";
  private int promptTokens;
  private int completionTokens;
  private boolean started;
  private boolean done;

  public MessagesStreamToChunks(boolean includeUsage, TokenCounts usage, long created) {
    this.includeUsage = includeUsage;
    this.usage = usage;
    this.created = created;
  }

  @Override
  public Buffer translate(SseEvent event) {
    if (done) {
      return EMPTY;
    }
    JsonObject data;
    try {
      data = new JsonObject(event.data());
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException("a stream event is not valid JSON");
    }
    String type = String.valueOf(data.getValue("type", event.event()));
    return switch (type) {
      case "message_start" -> start(Json.object(data.getValue("message")));
      case "content_block_start" -> blockStart(data);
      case "content_block_delta" -> delta(data);
      case "message_delta" -> messageDelta(data);
      case "message_stop" -> stop();
      case "error" -> throw new ProtocolException("the upstream stream failed: " + errorMessage(data));
      default -> EMPTY; // ping, content_block_stop, and event types added later
    };
  }

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public Buffer finish() {
    if (!done) {
      throw new ProtocolException("the stream ended without message_stop");
    }
    return EMPTY;
  }

  private Buffer start(JsonObject message) {
    if (message == null) {
      throw new ProtocolException("message_start without a message");
    }
    started = true;
    id = String.valueOf(message.getValue("id", ""));
    model = String.valueOf(message.getValue("model", ""));
    JsonObject u = Json.object(message.getValue("usage"));
    promptTokens = ChatToMessages.promptTokens(u);
    completionTokens = Json.integer(u, "output_tokens");
    usage.set(promptTokens, completionTokens);
    return chunk(new JsonObject().put("role", "assistant").put("content", ""), null);
  }

  private Buffer blockStart(JsonObject data) {
    requireStarted();
    JsonObject block = Json.object(data.getValue("content_block"));
    if (block == null) {
      return EMPTY;
    }
    if ("tool_use".equals(block.getValue("type"))) {
      int index = toolIndex.size();
      toolIndex.put(Json.integer(data, "index"), index);
      return chunk(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("index", index)
          .put("id", block.getValue("id")).put("type", "function")
          .put("function", new JsonObject().put("name", block.getValue("name")).put("arguments", "")))), null);
    }
    if ("text".equals(block.getValue("type")) && block.getValue("text") instanceof String t && !t.isEmpty()) {
      return chunk(new JsonObject().put("content", t), null);
    }
    return EMPTY;
  }

  private Buffer delta(JsonObject data) {
    requireStarted();
    JsonObject delta = Json.object(data.getValue("delta"));
    if (delta == null) {
      return EMPTY;
    }
    Object type = delta.getValue("type");
    if ("text_delta".equals(type)) {
      return chunk(new JsonObject().put("content", String.valueOf(delta.getValue("text", ""))), null);
    }
    if ("input_json_delta".equals(type)) {
      Integer index = toolIndex.get(Json.integer(data, "index"));
      if (index == null) {
        throw new ProtocolException("input_json_delta for a block that is not a tool_use");
      }
      return chunk(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("index", index)
          .put("function", new JsonObject().put("arguments", String.valueOf(delta.getValue("partial_json", "")))))), null);
    }
    return EMPTY; // thinking and signature deltas have no OpenAI counterpart
  }

  private Buffer messageDelta(JsonObject data) {
    requireStarted();
    JsonObject u = Json.object(data.getValue("usage"));
    if (u != null) {
      // message_delta's usage is cumulative; input tokens appear here only when they changed
      completionTokens = Json.integer(u, "output_tokens");
      if (u.containsKey("input_tokens")) {
        promptTokens = ChatToMessages.promptTokens(u);
      }
      usage.set(promptTokens, completionTokens);
    }
    JsonObject delta = Json.object(data.getValue("delta"));
    String reason = delta == null ? null : Json.string(delta.getValue("stop_reason"));
    return reason == null ? EMPTY : chunk(new JsonObject(), FinishReasons.toOpenAi(reason));
  }

  private Buffer stop() {
    requireStarted();
    done = true;
    Buffer out = Buffer.buffer();
    if (includeUsage) {
      out.appendBuffer(SseEvent.data(base().put("choices", new JsonArray())
          .put("usage", new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
              .put("total_tokens", promptTokens + completionTokens)).encode()));
    }
    return out.appendBuffer(SseEvent.done());
  }

  private void requireStarted() {
    if (!started) {
      throw new ProtocolException("a stream event came before message_start");
    }
  }

  private Buffer chunk(JsonObject delta, String finishReason) {
    return SseEvent.data(base().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("delta", delta).put("logprobs", null).put("finish_reason", finishReason))).encode());
  }

  private JsonObject base() {
    return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model);
  }

  static String errorMessage(JsonObject data) {
    JsonObject error = Json.object(data.getValue("error"));
    return error == null ? data.encode() : error.getValue("type") + ": " + error.getValue("message");
  }
}
