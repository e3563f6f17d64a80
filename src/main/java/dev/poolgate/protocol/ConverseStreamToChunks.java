package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * A Bedrock ConverseStream (event-stream messages) → OpenAI {@code chat.completion.chunk} events,
 * as they arrive: {@code messageStart} the role chunk, {@code contentBlockStart} with a
 * {@code toolUse} the first tool-call chunk (index, id, name), {@code contentBlockDelta} content or
 * argument deltas, {@code messageStop} the finish chunk, {@code metadata} (which comes last) the
 * usage chunk if the client asked, then {@code [DONE]}. Exception messages fail the stream.
 */
public final class ConverseStreamToChunks implements StreamTranslation<EventStreamMessage> {
  private static final Buffer EMPTY = Buffer.buffer();
  private final String id;
  private final String model;
  private final long created;
  private final boolean includeUsage;
  private final TokenCounts usage;
  private final Map<Integer, Integer> toolIndex = new HashMap<>();
  private boolean stopped;
  private boolean done;

  public ConverseStreamToChunks(String id, String model, long created, boolean includeUsage, TokenCounts usage) {
    this.id = id;
    this.model = model;
    this.created = created;
    this.includeUsage = includeUsage;
    this.usage = usage;
  }

  @Override
  public Buffer translate(EventStreamMessage message) {
    if (!"event".equals(message.messageType())) {
      throw new ProtocolException("the upstream stream failed: " + message.problem());
    }
    JsonObject data;
    try {
      data = new JsonObject(message.payload());
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException("a stream event is not valid JSON");
    }
    String type = String.valueOf(message.eventType());
    return switch (type) {
      case "messageStart" -> chunk(new JsonObject().put("role", "assistant").put("content", ""), null);
      case "contentBlockStart" -> blockStart(data);
      case "contentBlockDelta" -> delta(data);
      case "messageStop" -> {
        stopped = true;
        yield chunk(new JsonObject(), FinishReasons.toOpenAi(String.valueOf(data.getValue("stopReason", "end_turn"))));
      }
      case "metadata" -> metadata(data);
      default -> EMPTY; // contentBlockStop, and event types added later
    };
  }

  private Buffer blockStart(JsonObject data) {
    JsonObject start = Json.object(data.getValue("start"));
    JsonObject use = start == null ? null : Json.object(start.getValue("toolUse"));
    if (use == null) {
      return EMPTY;
    }
    int index = toolIndex.size();
    toolIndex.put(Json.integer(data, "contentBlockIndex"), index);
    return chunk(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("index", index)
        .put("id", use.getValue("toolUseId")).put("type", "function")
        .put("function", new JsonObject().put("name", use.getValue("name")).put("arguments", "")))), null);
  }

  private Buffer delta(JsonObject data) {
    JsonObject delta = Json.object(data.getValue("delta"));
    if (delta == null) {
      return EMPTY;
    }
    if (delta.getValue("text") instanceof String text) {
      return chunk(new JsonObject().put("content", text), null);
    }
    JsonObject use = Json.object(delta.getValue("toolUse"));
    if (use != null) {
      Integer index = toolIndex.get(Json.integer(data, "contentBlockIndex"));
      if (index == null) {
        throw new ProtocolException("a toolUse delta for a block that is not a toolUse");
      }
      return chunk(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("index", index)
          .put("function", new JsonObject().put("arguments", String.valueOf(use.getValue("input", "")))))), null);
    }
    return EMPTY; // reasoning deltas have no OpenAI counterpart
  }

  private Buffer metadata(JsonObject data) {
    if (!stopped) {
      throw new ProtocolException("metadata before messageStop");
    }
    JsonObject u = Json.object(data.getValue("usage"));
    int prompt = Json.integer(u, "inputTokens");
    int completion = Json.integer(u, "outputTokens");
    usage.set(prompt, completion);
    return end(u == null ? null : new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion));
  }

  private Buffer end(JsonObject usageJson) {
    done = true;
    Buffer out = Buffer.buffer();
    if (includeUsage && usageJson != null) {
      out.appendBuffer(SseEvent.data(base().put("choices", new JsonArray()).put("usage", usageJson).encode()));
    }
    return out.appendBuffer(SseEvent.done());
  }

  @Override
  public boolean done() {
    return done;
  }

  /** The metadata event is optional: a stream that stopped properly ends well without it. */
  @Override
  public Buffer finish() {
    if (done) {
      return EMPTY;
    }
    if (!stopped) {
      throw new ProtocolException("the stream ended without messageStop");
    }
    return end(null);
  }

  private Buffer chunk(JsonObject delta, String finishReason) {
    return SseEvent.data(base().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("delta", delta).put("logprobs", null).put("finish_reason", finishReason))).encode());
  }

  private JsonObject base() {
    return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model);
  }
}
