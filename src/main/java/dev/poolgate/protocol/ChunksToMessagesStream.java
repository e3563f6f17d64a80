package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An OpenAI chunk stream → the Anthropic event sequence, chunk by chunk: {@code message_start} on
 * the first chunk, a text block or a {@code tool_use} block per run of content or per tool call
 * (each closed by {@code content_block_stop} when the next begins), and at {@code [DONE]} the
 * {@code message_delta} with the stop reason and usage, then {@code message_stop}.
 */
public final class ChunksToMessagesStream implements StreamTranslation<SseEvent> {
  private static final Buffer EMPTY = Buffer.buffer();
  private final TokenCounts usage;
  private final String model;
  private boolean started;
  private boolean done;
  /** Index of the open Anthropic block, -1 if none. */
  private int blockIndex = -1;
  /** OpenAI tool call index of the open tool_use block, -1 if the open block is text. */
  private int openTool = -1;
  private boolean blockOpen;
  private String finishReason;
  private int promptTokens;
  private int completionTokens;

  /** @param model the model name the client sees if the chunks name none */
  public ChunksToMessagesStream(TokenCounts usage, String model) {
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
      out.appendBuffer(event("message_start", new JsonObject().put("message", new JsonObject()
          .put("id", MessagesToChat.messageId(chunk.getValue("id"))).put("type", "message").put("role", "assistant")
          .put("content", new JsonArray()).put("model", chunk.getValue("model", model))
          .put("stop_reason", null).put("stop_sequence", null)
          .put("usage", new JsonObject().put("input_tokens", 0).put("output_tokens", 0)))));
    }
    JsonObject u = Json.object(chunk.getValue("usage"));
    if (u != null) {
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
        if (!blockOpen || openTool >= 0) {
          open(out, new JsonObject().put("type", "text").put("text", ""), -1);
        }
        out.appendBuffer(event("content_block_delta", new JsonObject().put("index", blockIndex)
            .put("delta", new JsonObject().put("type", "text_delta").put("text", text))));
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
    if (!blockOpen || openTool != index) {
      open(out, new JsonObject().put("type", "tool_use").put("id", call.getValue("id"))
          .put("name", fn == null ? null : fn.getValue("name")).put("input", new JsonObject()), index);
    }
    if (fn != null && fn.getValue("arguments") instanceof String args && !args.isEmpty()) {
      out.appendBuffer(event("content_block_delta", new JsonObject().put("index", blockIndex)
          .put("delta", new JsonObject().put("type", "input_json_delta").put("partial_json", args))));
    }
  }

  private void open(Buffer out, JsonObject block, int tool) {
    close(out);
    blockIndex++;
    blockOpen = true;
    openTool = tool;
    out.appendBuffer(event("content_block_start", new JsonObject().put("index", blockIndex).put("content_block", block)));
  }

  private void close(Buffer out) {
    if (blockOpen) {
      out.appendBuffer(event("content_block_stop", new JsonObject().put("index", blockIndex)));
      blockOpen = false;
    }
  }

  private Buffer end() {
    if (!started) {
      throw new ProtocolException("the stream ended before any chunk");
    }
    done = true;
    Buffer out = Buffer.buffer();
    close(out);
    out.appendBuffer(event("message_delta", new JsonObject()
        .put("delta", new JsonObject().put("stop_reason", FinishReasons.toAnthropic(finishReason)).put("stop_sequence", null))
        .put("usage", new JsonObject().put("input_tokens", promptTokens).put("output_tokens", completionTokens))));
    return out.appendBuffer(event("message_stop", new JsonObject()));
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

  private static Buffer event(String type, JsonObject body) {
    JsonObject data = new JsonObject().put("type", type);
    body.forEach(e -> data.put(e.getKey(), e.getValue()));
    return SseEvent.named(type, data.encode());
  }
}
