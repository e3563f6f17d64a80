package dev.poolgate.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Anthropic Messages → OpenAI chat completions, for an Anthropic client served by an
 * OpenAI-speaking upstream: the request one way, the whole answer the other (streams:
 * {@link ChunksToMessagesStream}).
 */
public final class MessagesToChat {
  private MessagesToChat() {
  }

  public static JsonObject request(JsonObject messages) {
    JsonObject out = new JsonObject().put("model", messages.getValue("model"));
    JsonArray chat = new JsonArray();
    Object system = messages.getValue("system");
    String systemText = system instanceof String s ? s : Json.text(system);
    if (!systemText.isEmpty()) {
      chat.add(new JsonObject().put("role", "system").put("content", systemText));
    }
    for (Object m : Json.array(messages.getValue("messages"))) {
      if (m instanceof JsonObject msg) {
        if ("assistant".equals(msg.getValue("role"))) {
          chat.add(assistant(msg.getValue("content")));
        } else {
          user(msg.getValue("content"), chat);
        }
      }
    }
    out.put("messages", chat);
    if (messages.getValue("max_tokens") instanceof Number n) {
      out.put("max_tokens", n);
    }
    if (messages.getValue("stop_sequences") instanceof JsonArray stops && !stops.isEmpty()) {
      out.put("stop", stops.copy());
    }
    for (String key : new String[] {"temperature", "top_p"}) {
      if (messages.getValue(key) instanceof Number n) {
        out.put(key, n);
      }
    }
    if (Boolean.TRUE.equals(messages.getValue("stream"))) {
      out.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
    }
    JsonObject metadata = Json.object(messages.getValue("metadata"));
    if (metadata != null && metadata.getValue("user_id") instanceof String user) {
      out.put("user", user);
    }
    tools(messages, out);
    return out;
  }

  private static void tools(JsonObject messages, JsonObject out) {
    JsonArray tools = new JsonArray();
    for (Object t : Json.array(messages.getValue("tools"))) {
      if (t instanceof JsonObject tool && tool.getValue("name") instanceof String name) {
        JsonObject fn = new JsonObject().put("name", name);
        if (tool.getValue("description") instanceof String d) {
          fn.put("description", d);
        }
        JsonObject schema = Json.object(tool.getValue("input_schema"));
        fn.put("parameters", schema != null ? schema : new JsonObject().put("type", "object"));
        tools.add(new JsonObject().put("type", "function").put("function", fn));
      }
    }
    if (tools.isEmpty()) {
      return;
    }
    out.put("tools", tools);
    JsonObject choice = Json.object(messages.getValue("tool_choice"));
    if (choice != null) {
      switch (String.valueOf(choice.getValue("type"))) {
        case "any" -> out.put("tool_choice", "required");
        case "none" -> out.put("tool_choice", "none");
        case "tool" -> out.put("tool_choice", new JsonObject().put("type", "function")
            .put("function", new JsonObject().put("name", choice.getValue("name"))));
        default -> out.put("tool_choice", "auto");
      }
      if (Boolean.TRUE.equals(choice.getValue("disable_parallel_tool_use"))) {
        out.put("parallel_tool_calls", false);
      }
    }
  }

  /** Tool results become {@code tool} messages (first, as OpenAI wants them right after the calls), the rest one user message. */
  private static void user(Object content, JsonArray chat) {
    if (content instanceof String s) {
      chat.add(new JsonObject().put("role", "user").put("content", s));
      return;
    }
    JsonArray parts = new JsonArray();
    for (Object b : Json.array(content)) {
      if (!(b instanceof JsonObject block)) {
        continue;
      }
      switch (String.valueOf(block.getValue("type"))) {
        case "tool_result" -> chat.add(new JsonObject().put("role", "tool")
            .put("tool_call_id", block.getValue("tool_use_id")).put("content", toolResultText(block)));
        case "image" -> {
          String url = imageUrl(Json.object(block.getValue("source")));
          if (url != null) {
            parts.add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url)));
          }
        }
        case "text" -> parts.add(new JsonObject().put("type", "text").put("text", block.getValue("text")));
        default -> { }
      }
    }
    if (!parts.isEmpty()) {
      boolean textOnly = parts.stream().allMatch(p -> "text".equals(((JsonObject) p).getValue("type")));
      chat.add(new JsonObject().put("role", "user").put("content", textOnly ? Json.text(parts) : parts));
    }
  }

  private static String toolResultText(JsonObject block) {
    Object content = block.getValue("content");
    String text = content instanceof String s ? s : Json.text(content);
    return Boolean.TRUE.equals(block.getValue("is_error")) ? "Error: " + text : text;
  }

  private static String imageUrl(JsonObject source) {
    if (source == null) {
      return null;
    }
    if ("base64".equals(source.getValue("type"))) {
      return "data:" + source.getValue("media_type") + ";base64," + source.getValue("data");
    }
    return Json.string(source.getValue("url"));
  }

  private static JsonObject assistant(Object content) {
    JsonObject msg = new JsonObject().put("role", "assistant");
    if (content instanceof String s) {
      return msg.put("content", s);
    }
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    for (Object b : Json.array(content)) {
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
    msg.put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString());
    if (!calls.isEmpty()) {
      msg.put("tool_calls", calls);
    }
    return msg;
  }

  /** An OpenAI {@code chat.completion} → an Anthropic {@code message}. */
  public static JsonObject answer(JsonObject completion) {
    if (!(completion.getValue("choices") instanceof JsonArray choices) || choices.isEmpty()
        || Json.object(choices.getValue(0)) == null) {
      throw new ProtocolException("no choices in the answer");
    }
    JsonObject choice = choices.getJsonObject(0);
    JsonObject msg = Json.object(choice.getValue("message"));
    JsonArray content = new JsonArray();
    String text = msg == null ? "" : Json.text(msg.getValue("content"));
    if (!text.isEmpty()) {
      content.add(new JsonObject().put("type", "text").put("text", text));
    }
    for (Object c : msg == null ? new JsonArray() : Json.array(msg.getValue("tool_calls"))) {
      if (c instanceof JsonObject call && Json.object(call.getValue("function")) != null) {
        JsonObject fn = call.getJsonObject("function");
        content.add(new JsonObject().put("type", "tool_use").put("id", call.getValue("id"))
            .put("name", fn.getValue("name")).put("input", Json.arguments(fn.getValue("arguments"))));
      }
    }
    JsonObject usage = Json.object(completion.getValue("usage"));
    return new JsonObject().put("id", messageId(completion.getValue("id"))).put("type", "message")
        .put("role", "assistant").put("model", completion.getValue("model")).put("content", content)
        .put("stop_reason", FinishReasons.toAnthropic(Json.string(choice.getValue("finish_reason"))))
        .put("stop_sequence", null)
        .put("usage", new JsonObject().put("input_tokens", Json.integer(usage, "prompt_tokens"))
            .put("output_tokens", Json.integer(usage, "completion_tokens")));
  }

  static String messageId(Object id) {
    return "msg_" + (id instanceof String s ? s.replaceFirst("^chatcmpl-", "") : "poolgate");
  }
}
