package dev.poolgate.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * OpenAI chat completions → Anthropic Messages, for an OpenAI client served by an Anthropic
 * upstream: the request one way, the whole answer the other (streams: {@link MessagesStreamToChunks}).
 * Fields Anthropic does not know are dropped, because it rejects unknown fields.
 */
public final class ChatToMessages {
  private ChatToMessages() {
  }

  /**
   * @param defaultMaxTokens used when the client set neither {@code max_tokens} nor
   *                         {@code max_completion_tokens} (Anthropic requires one)
   */
  public static JsonObject request(JsonObject chat, int defaultMaxTokens) {
    JsonObject out = new JsonObject();
    out.put("model", chat.getValue("model"));
    StringBuilder system = new StringBuilder();
    JsonArray messages = new JsonArray();
    for (Object m : Json.array(chat.getValue("messages"))) {
      if (!(m instanceof JsonObject msg)) {
        continue;
      }
      String role = String.valueOf(msg.getValue("role"));
      switch (role) {
        case "system", "developer" -> system.append(system.length() == 0 ? "" : "\n\n").append(Json.text(msg.getValue("content")));
        case "assistant" -> append(messages, "assistant", assistantBlocks(msg));
        case "tool", "function" -> append(messages, "user", new JsonArray().add(toolResult(msg)));
        default -> append(messages, "user", userBlocks(msg.getValue("content")));
      }
    }
    if (system.length() > 0) {
      out.put("system", system.toString());
    }
    out.put("messages", messages);
    Object max = chat.getValue("max_completion_tokens", chat.getValue("max_tokens"));
    out.put("max_tokens", max instanceof Number n ? n.intValue() : defaultMaxTokens);
    Object stop = chat.getValue("stop");
    if (stop instanceof String s) {
      out.put("stop_sequences", new JsonArray().add(s));
    } else if (stop instanceof JsonArray a && !a.isEmpty()) {
      out.put("stop_sequences", a.copy());
    }
    copyNumber(chat, "temperature", out, "temperature");
    copyNumber(chat, "top_p", out, "top_p");
    if (Boolean.TRUE.equals(chat.getValue("stream"))) {
      out.put("stream", true);
    }
    if (chat.getValue("user") instanceof String user) {
      out.put("metadata", new JsonObject().put("user_id", user));
    }
    tools(chat, out);
    return out;
  }

  private static void tools(JsonObject chat, JsonObject out) {
    JsonArray tools = new JsonArray();
    for (Object t : Json.array(chat.getValue("tools"))) {
      JsonObject fn = t instanceof JsonObject tool ? Json.object(tool.getValue("function")) : null;
      if (fn == null) {
        continue;
      }
      JsonObject schema = Json.object(fn.getValue("parameters"));
      JsonObject tool = new JsonObject().put("name", fn.getValue("name"))
          .put("input_schema", schema != null ? schema : new JsonObject().put("type", "object"));
      if (fn.getValue("description") instanceof String d) {
        tool.put("description", d);
      }
      tools.add(tool);
    }
    if (!tools.isEmpty()) {
      out.put("tools", tools);
    }
    Object choice = chat.getValue("tool_choice");
    JsonObject tc = null;
    if ("auto".equals(choice)) {
      tc = new JsonObject().put("type", "auto");
    } else if ("none".equals(choice)) {
      tc = new JsonObject().put("type", "none");
    } else if ("required".equals(choice)) {
      tc = new JsonObject().put("type", "any");
    } else if (choice instanceof JsonObject named && Json.object(named.getValue("function")) != null) {
      tc = new JsonObject().put("type", "tool").put("name", named.getJsonObject("function").getValue("name"));
    }
    if (Boolean.FALSE.equals(chat.getValue("parallel_tool_calls")) && !tools.isEmpty()) {
      tc = (tc == null ? new JsonObject().put("type", "auto") : tc).put("disable_parallel_tool_use", true);
    }
    if (tc != null && !tools.isEmpty()) {
      out.put("tool_choice", tc);
    }
  }

  /** Anthropic wants user and assistant turns to alternate: a turn of the same role as the last is merged into it. */
  private static void append(JsonArray messages, String role, JsonArray blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    JsonObject last = messages.isEmpty() ? null : messages.getJsonObject(messages.size() - 1);
    if (last != null && role.equals(last.getString("role"))) {
      last.getJsonArray("content").addAll(blocks);
    } else {
      messages.add(new JsonObject().put("role", role).put("content", blocks));
    }
  }

  private static JsonArray userBlocks(Object content) {
    JsonArray blocks = new JsonArray();
    if (content instanceof String s) {
      return s.isEmpty() ? blocks : blocks.add(text(s));
    }
    for (Object p : Json.array(content)) {
      if (!(p instanceof JsonObject part)) {
        continue;
      }
      if ("image_url".equals(part.getValue("type"))) {
        JsonObject image = Json.object(part.getValue("image_url"));
        String url = image == null ? Json.string(part.getValue("image_url")) : Json.string(image.getValue("url"));
        if (url != null) {
          blocks.add(image(url));
        }
      } else if (part.getValue("text") instanceof String t) {
        blocks.add(text(t));
      }
    }
    return blocks;
  }

  /** {@code data:} URLs become base64 sources, anything else a URL source. */
  static JsonObject image(String url) {
    JsonObject source;
    DataUrl data = DataUrl.parse(url);
    if (data != null) {
      source = new JsonObject().put("type", "base64").put("media_type", data.mediaType()).put("data", data.base64());
    } else {
      source = new JsonObject().put("type", "url").put("url", url);
    }
    return new JsonObject().put("type", "image").put("source", source);
  }

  private static JsonArray assistantBlocks(JsonObject msg) {
    JsonArray blocks = new JsonArray();
    String content = Json.text(msg.getValue("content"));
    if (!content.isEmpty()) {
      blocks.add(text(content));
    }
    for (Object c : Json.array(msg.getValue("tool_calls"))) {
      if (c instanceof JsonObject call && Json.object(call.getValue("function")) != null) {
        JsonObject fn = call.getJsonObject("function");
        blocks.add(new JsonObject().put("type", "tool_use").put("id", call.getValue("id"))
            .put("name", fn.getValue("name")).put("input", Json.arguments(fn.getValue("arguments"))));
      }
    }
    return blocks;
  }

  private static JsonObject toolResult(JsonObject msg) {
    Object id = msg.getValue("tool_call_id", msg.getValue("name"));
    return new JsonObject().put("type", "tool_result").put("tool_use_id", id)
        .put("content", Json.text(msg.getValue("content")));
  }

  private static JsonObject text(String s) {
    return new JsonObject().put("type", "text").put("text", s);
  }

  private static void copyNumber(JsonObject from, String key, JsonObject to, String as) {
    if (from.getValue(key) instanceof Number n) {
      to.put(as, n);
    }
  }

  /** An Anthropic {@code message} → an OpenAI {@code chat.completion}. */
  public static JsonObject answer(JsonObject message, long created) {
    if (!"message".equals(message.getValue("type")) || !(message.getValue("content") instanceof JsonArray content)) {
      throw new ProtocolException("the answer is not an Anthropic message");
    }
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    for (Object b : content) {
      if (!(b instanceof JsonObject block)) {
        continue;
      }
      if ("text".equals(block.getValue("type")) && block.getValue("text") instanceof String t) {
        text.append(t);
      } else if ("tool_use".equals(block.getValue("type"))) {
        JsonObject input = Json.object(block.getValue("input"));
        calls.add(new JsonObject().put("id", block.getValue("id")).put("type", "function")
            .put("function", new JsonObject().put("name", block.getValue("name"))
                .put("arguments", (input == null ? new JsonObject() : input).encode())));
      }
    }
    JsonObject msg = new JsonObject().put("role", "assistant")
        .put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString());
    if (!calls.isEmpty()) {
      msg.put("tool_calls", calls);
    }
    return new JsonObject().put("id", message.getValue("id")).put("object", "chat.completion")
        .put("created", created).put("model", message.getValue("model"))
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", msg)
            .put("logprobs", null).put("finish_reason", FinishReasons.toOpenAi(Json.string(message.getValue("stop_reason"))))))
        .put("usage", usage(Json.object(message.getValue("usage"))));
  }

  /** Anthropic usage → OpenAI usage; cached prompt tokens count as prompt tokens. */
  static JsonObject usage(JsonObject usage) {
    int prompt = promptTokens(usage);
    int completion = Json.integer(usage, "output_tokens");
    return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  static int promptTokens(JsonObject usage) {
    return Json.integer(usage, "input_tokens") + Json.integer(usage, "cache_creation_input_tokens")
        + Json.integer(usage, "cache_read_input_tokens");
  }
}
