package dev.poolgate.provider;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Gemini answers as OpenAI answers: a {@code GenerateContentResponse} as a {@code chat.completion},
 * each streamed one as {@code chat.completion.chunk}s ({@link Stream} keeps what a stream must
 * remember), finish reasons, usage, function calls as tool calls, and Gemini error bodies
 * ({@code {"error":{"code","message","status"}}}) as OpenAI ones.
 */
public final class GeminiResponseTranslator {
  private GeminiResponseTranslator() {
  }

  /** A whole answer; throws {@link IllegalArgumentException} if it is not a Gemini answer. */
  public static JsonObject completion(JsonObject answer, String id, long created, String model) {
    JsonArray choices = new JsonArray();
    boolean anyToolCall = false;
    JsonArray candidates = answer.getJsonArray("candidates");
    if (candidates == null || candidates.isEmpty()) {
      requireBlocked(answer);
      // the prompt itself was blocked: no candidate, a filtered empty answer
      choices.add(new JsonObject().put("index", 0)
          .put("message", new JsonObject().put("role", "assistant").put("content", null))
          .put("finish_reason", "content_filter"));
    } else {
      for (int i = 0; i < candidates.size(); i++) {
        JsonObject c = candidates.getJsonObject(i);
        int index = c.getInteger("index", i);
        JsonArray parts = c.getJsonObject("content", new JsonObject()).getJsonArray("parts", new JsonArray());
        JsonArray toolCalls = toolCalls(parts, index, 0, false);
        anyToolCall |= !toolCalls.isEmpty();
        String text = text(parts);
        JsonObject message = new JsonObject().put("role", "assistant")
            .put("content", text.isEmpty() && !toolCalls.isEmpty() ? null : text);
        if (!toolCalls.isEmpty()) {
          message.put("tool_calls", toolCalls);
        }
        choices.add(new JsonObject().put("index", index).put("message", message)
            .put("finish_reason", finishReason(c.getString("finishReason"), !toolCalls.isEmpty())));
      }
    }
    return new JsonObject().put("id", id).put("object", "chat.completion").put("created", created)
        .put("model", answer.getString("modelVersion", model)).put("choices", choices)
        .put("usage", usage(answer.getJsonObject("usageMetadata")));
  }

  /** Gemini's finish reason as OpenAI's; a stop with function calls is a tool-call stop. */
  public static String finishReason(String gemini, boolean toolCalls) {
    if (gemini == null) {
      return null;
    }
    return switch (gemini) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE" ->
          "content_filter";
      default -> toolCalls ? "tool_calls" : "stop";
    };
  }

  /** {@code usageMetadata} as an OpenAI usage object (thinking tokens count as completion). */
  public static JsonObject usage(JsonObject metadata) {
    JsonObject m = metadata == null ? new JsonObject() : metadata;
    int prompt = m.getInteger("promptTokenCount", 0);
    int completion = m.getInteger("candidatesTokenCount", 0) + m.getInteger("thoughtsTokenCount", 0);
    return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", m.getInteger("totalTokenCount", prompt + completion));
  }

  /**
   * A Gemini error answer as an OpenAI error body, for the client to get as the upstream's own
   * error. Bodies that are not Gemini's (an HTML page from a proxy) keep their first line as the message.
   */
  public static Buffer errorBody(int status, Buffer body) {
    JsonObject error = geminiError(body);
    String message = error != null ? error.getString("message", "")
        : "upstream answered " + status + ": " + firstLine(body == null ? "" : body.toString());
    String code = error != null ? error.getString("status") : null;
    String type = switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .put("param", null).put("code", code)).toBuffer();
  }

  /** The {@code error} object of a Gemini error body (also in the JSON-array form), or null. */
  static JsonObject geminiError(Buffer body) {
    if (body == null) {
      return null;
    }
    try {
      Object json = io.vertx.core.json.Json.decodeValue(body);
      if (json instanceof JsonArray a && !a.isEmpty()) {
        json = a.getValue(0);
      }
      return json instanceof JsonObject o && o.getValue("error") instanceof JsonObject e ? e : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  private static void requireBlocked(JsonObject answer) {
    if (!(answer.getValue("promptFeedback") instanceof JsonObject feedback) || feedback.getString("blockReason") == null) {
      throw new IllegalArgumentException("no candidates and no promptFeedback.blockReason");
    }
  }

  private static String text(JsonArray parts) {
    StringBuilder sb = new StringBuilder();
    for (Object p : parts) {
      // thought summaries are the model's reasoning, not its answer
      if (p instanceof JsonObject part && part.getValue("text") instanceof String s
          && !Boolean.TRUE.equals(part.getValue("thought"))) {
        sb.append(s);
      }
    }
    return sb.toString();
  }

  /**
   * Function-call parts as OpenAI tool calls; ids come from Gemini when it sends them, else they
   * are made unique within the answer. In a stream each call also carries its position.
   */
  private static JsonArray toolCalls(JsonArray parts, int choice, int first, boolean indexed) {
    JsonArray calls = new JsonArray();
    for (Object p : parts) {
      if (p instanceof JsonObject part && part.getValue("functionCall") instanceof JsonObject fc) {
        int n = first + calls.size();
        JsonObject call = new JsonObject();
        if (indexed) {
          call.put("index", n);
        }
        call.put("id", fc.getString("id", "call_" + choice + "_" + n))
            .put("type", "function")
            .put("function", new JsonObject().put("name", fc.getString("name"))
                .put("arguments", fc.getJsonObject("args", new JsonObject()).encode()));
        calls.add(call);
      }
    }
    return calls;
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    String line = nl < 0 ? t : t.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }

  /** One streamed answer: what has been said per choice, usage so far, whether it finished. */
  public static final class Stream {
    private final String id;
    private final long created;
    private final String model;
    private final Set<Integer> roleSent = new HashSet<>();
    private final Map<Integer, Integer> toolCallsSent = new HashMap<>();
    private JsonObject usage = GeminiResponseTranslator.usage(null);
    private boolean finished;

    public Stream(String id, long created, String model) {
      this.id = id;
      this.created = created;
      this.model = model;
    }

    /** The chunks one streamed Gemini answer becomes (none if it carries nothing to say). */
    public JsonArray chunks(JsonObject answer) {
      if (answer.getValue("usageMetadata") instanceof JsonObject m) {
        usage = GeminiResponseTranslator.usage(m);
      }
      JsonArray chunks = new JsonArray();
      JsonArray candidates = answer.getJsonArray("candidates");
      if (candidates == null || candidates.isEmpty()) {
        if (answer.getValue("promptFeedback") instanceof JsonObject f && f.getString("blockReason") != null) {
          finished = true;
          chunks.add(chunk(0, new JsonObject().put("role", "assistant"), "content_filter"));
        }
        return chunks;
      }
      for (int i = 0; i < candidates.size(); i++) {
        JsonObject c = candidates.getJsonObject(i);
        int index = c.getInteger("index", i);
        JsonArray parts = c.getJsonObject("content", new JsonObject()).getJsonArray("parts", new JsonArray());
        JsonObject delta = new JsonObject();
        if (roleSent.add(index)) {
          delta.put("role", "assistant");
        }
        String text = text(parts);
        if (!text.isEmpty()) {
          delta.put("content", text);
        }
        int before = toolCallsSent.getOrDefault(index, 0);
        JsonArray calls = toolCalls(parts, index, before, true);
        if (!calls.isEmpty()) {
          delta.put("tool_calls", calls);
          toolCallsSent.put(index, before + calls.size());
        }
        String finish = finishReason(c.getString("finishReason"), toolCallsSent.getOrDefault(index, 0) > 0);
        finished |= finish != null;
        if (!delta.isEmpty() || finish != null) {
          chunks.add(chunk(index, delta, finish));
        }
      }
      return chunks;
    }

    public boolean finished() {
      return finished;
    }

    public JsonObject usage() {
      return usage;
    }

    /** The closing usage chunk OpenAI sends when {@code stream_options.include_usage} is set. */
    public JsonObject usageChunk() {
      return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
          .put("model", model).put("choices", new JsonArray()).put("usage", usage);
    }

    private JsonObject chunk(int index, JsonObject delta, String finish) {
      return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
          .put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", index)
              .put("delta", delta).put("finish_reason", finish)));
    }
  }
}
