package dev.poolgate.protocol;

import dev.poolgate.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;


/**
 * OpenAI Responses API → chat completions, for a Responses client served by an upstream that does
 * not speak it (Anthropic, Gemini, Bedrock, mock, OpenAI-compatible servers): the request one way
 * ({@code input} items become messages, {@code instructions} the system message, function tools
 * and {@code text.format} their chat equivalents), the whole answer the other (a
 * {@code response} object; streams: {@link ChunksToResponsesStream}). What needs state kept by a
 * server ({@code previous_response_id}, {@code item_reference}) or a hosted tool cannot be
 * translated and is a {@link ProtocolException}.
 */
public final class ResponsesToChat {
  private ResponsesToChat() {
  }

  /** The chat request for a Responses request. */
  public static JsonObject request(JsonObject responses) {
    JsonObject out = new JsonObject().put("model", responses.getValue("model"));
    JsonArray chat = new JsonArray();
    if (responses.getValue("instructions") instanceof String instructions && !instructions.isEmpty()) {
      chat.add(new JsonObject().put("role", "system").put("content", instructions));
    }
    Object input = responses.getValue("input");
    if (input instanceof String text) {
      chat.add(new JsonObject().put("role", "user").put("content", text));
    } else {
      JsonArray items = Json.array(input);
      for (int i = 0; i < items.size(); i++) {
        item(Json.object(items.getValue(i)), "input[" + i + "]", chat);
      }
    }
    out.put("messages", chat);
    if (responses.getValue("max_output_tokens") instanceof Number n) {
      out.put("max_tokens", n);
    }
    for (String key : new String[] {"temperature", "top_p", "parallel_tool_calls", "user"}) {
      Object v = responses.getValue(key);
      if (v != null) {
        out.put(key, v);
      }
    }
    if (Boolean.TRUE.equals(responses.getValue("stream"))) {
      out.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
    }
    JsonArray tools = tools(responses.getValue("tools"));
    if (!tools.isEmpty()) {
      out.put("tools", tools);
    }
    Object choice = toolChoice(responses.getValue("tool_choice"));
    if (choice != null) {
      out.put("tool_choice", choice);
    }
    JsonObject format = Json.object(Json.object(responses.getValue("text")) == null ? null
        : responses.getJsonObject("text").getValue("format"));
    if (format != null) {
      responseFormat(format, out);
    }
    return out;
  }

  private static void item(JsonObject item, String where, JsonArray chat) {
    if (item == null) {
      throw new ProtocolException(where + ": must be an object");
    }
    String type = item.getValue("type") instanceof String t ? t : "message";
    switch (type) {
      case "message" -> message(item, where, chat);
      case "function_call" -> {
        JsonObject call = new JsonObject().put("id", item.getValue("call_id")).put("type", "function")
            .put("function", new JsonObject().put("name", item.getValue("name"))
                .put("arguments", item.getValue("arguments") instanceof String a ? a : "{}"));
        JsonObject last = chat.isEmpty() ? null : chat.getJsonObject(chat.size() - 1);
        // parallel calls (and the text said before them) are one assistant turn in chat
        if (last != null && "assistant".equals(last.getValue("role"))) {
          if (!(last.getValue("tool_calls") instanceof JsonArray)) {
            last.put("tool_calls", new JsonArray());
          }
          last.getJsonArray("tool_calls").add(call);
        } else {
          chat.add(new JsonObject().put("role", "assistant").put("content", null)
              .put("tool_calls", new JsonArray().add(call)));
        }
      }
      case "function_call_output" -> chat.add(new JsonObject().put("role", "tool")
          .put("tool_call_id", item.getValue("call_id"))
          .put("content", item.getValue("output") instanceof String s ? s : Json.text(item.getValue("output"))));
      // reasoning the model did on an earlier turn: a chat model neither needs nor takes it
      case "reasoning" -> { }
      case "item_reference" -> throw new ProtocolException(where + ": item_reference needs responses kept by the "
          + "server, which this gateway does not keep; send the items themselves");
      default -> throw new ProtocolException(where + ": input items of type '" + type
          + "' are not supported by this model's instances (message, function_call, function_call_output are)");
    }
  }

  private static void message(JsonObject item, String where, JsonArray chat) {
    String role = item.getValue("role") instanceof String r ? r : "user";
    Object content = item.getValue("content");
    if ("assistant".equals(role)) {
      chat.add(new JsonObject().put("role", "assistant").put("content", Json.text(content)));
      return;
    }
    // developer instructions are system messages to every chat translation downstream
    String chatRole = "developer".equals(role) ? "system" : role;
    if (content instanceof String text || "system".equals(chatRole)) {
      chat.add(new JsonObject().put("role", chatRole).put("content", Json.text(content)));
      return;
    }
    JsonArray parts = new JsonArray();
    JsonArray given = Json.array(content);
    for (int i = 0; i < given.size(); i++) {
      JsonObject part = Json.object(given.getValue(i));
      String partType = part == null ? null : Json.string(part.getValue("type"));
      if ("input_text".equals(partType) || "output_text".equals(partType)) {
        parts.add(new JsonObject().put("type", "text").put("text", part.getValue("text")));
      } else if ("input_image".equals(partType) && part.getValue("image_url") instanceof String url) {
        JsonObject image = new JsonObject().put("url", url);
        if (part.getValue("detail") instanceof String detail) {
          image.put("detail", detail);
        }
        parts.add(new JsonObject().put("type", "image_url").put("image_url", image));
      } else {
        throw new ProtocolException(where + ".content[" + i + "]: content of type '" + partType
            + "' is not supported by this model's instances (input_text, input_image with an image_url are)");
      }
    }
    chat.add(new JsonObject().put("role", chatRole).put("content", parts));
  }

  private static JsonArray tools(Object given) {
    JsonArray out = new JsonArray();
    JsonArray tools = Json.array(given);
    for (int i = 0; i < tools.size(); i++) {
      JsonObject tool = Json.object(tools.getValue(i));
      if (tool == null || !"function".equals(tool.getValue("type"))) {
        throw new ProtocolException("tools[" + i + "]: only function tools are supported by this model's instances");
      }
      JsonObject fn = new JsonObject().put("name", tool.getValue("name"));
      for (String key : new String[] {"description", "parameters", "strict"}) {
        if (tool.getValue(key) != null) {
          fn.put(key, tool.getValue(key));
        }
      }
      out.add(new JsonObject().put("type", "function").put("function", fn));
    }
    return out;
  }

  private static Object toolChoice(Object choice) {
    if (choice == null || choice instanceof String) {
      return choice;
    }
    JsonObject c = Json.object(choice);
    if (c != null && "function".equals(c.getValue("type"))) {
      return new JsonObject().put("type", "function").put("function", new JsonObject().put("name", c.getValue("name")));
    }
    throw new ProtocolException("tool_choice: only none, auto, required or a function are supported by this model's "
        + "instances");
  }

  private static void responseFormat(JsonObject format, JsonObject out) {
    switch (String.valueOf(format.getValue("type"))) {
      case "json_object" -> out.put("response_format", new JsonObject().put("type", "json_object"));
      case "json_schema" -> {
        JsonObject schema = new JsonObject().put("name", format.getValue("name", "response"))
            .put("schema", format.getValue("schema"));
        for (String key : new String[] {"description", "strict"}) {
          if (format.getValue(key) != null) {
            schema.put(key, format.getValue(key));
          }
        }
        out.put("response_format", new JsonObject().put("type", "json_schema").put("json_schema", schema));
      }
      default -> { } // "text" is what chat does anyway
    }
  }

  /**
   * The {@code response} object for a whole chat completion.
   *
   * @param request the client's Responses request, whose settings the response echoes
   */
  public static JsonObject answer(JsonObject completion, JsonObject request) {
    JsonObject choice = Json.object(Json.array(completion.getValue("choices")).isEmpty() ? null
        : completion.getJsonArray("choices").getValue(0));
    if (choice == null) {
      throw new ProtocolException("the answer has no choices");
    }
    JsonObject message = Json.object(choice.getValue("message"));
    JsonArray output = new JsonArray();
    if (message != null) {
      String text = Json.text(message.getValue("content"));
      if (!text.isEmpty()) {
        output.add(messageItem(itemId("msg"), "completed", new JsonArray().add(textPart(text))));
      } else if (message.getValue("refusal") instanceof String refusal) {
        output.add(messageItem(itemId("msg"), "completed",
            new JsonArray().add(new JsonObject().put("type", "refusal").put("refusal", refusal))));
      }
      for (Object t : Json.array(message.getValue("tool_calls"))) {
        JsonObject call = Json.object(t);
        JsonObject fn = call == null ? null : Json.object(call.getValue("function"));
        if (fn != null) {
          output.add(functionCall(itemId("fc"), Json.string(call.getValue("id")), Json.string(fn.getValue("name")),
              fn.getValue("arguments") instanceof String a ? a : Json.arguments(fn.getValue("arguments")).encode(),
              "completed"));
        }
      }
    }
    long created = completion.getValue("created") instanceof Number n ? n.longValue() : System.currentTimeMillis() / 1000;
    JsonObject u = Json.object(completion.getValue("usage"));
    return response(request, responseId(), created, Json.string(completion.getValue("model")),
        Json.string(choice.getValue("finish_reason")), output,
        usage(Json.integer(u, "prompt_tokens"), Json.integer(u, "completion_tokens"), u));
  }

  /**
   * A {@code response} object: the output and usage given, every other field echoing the request
   * as the Responses API does.
   *
   * @param finishReason the chat finish reason: {@code length} and {@code content_filter} make the
   *                     response {@code incomplete}; null makes it {@code in_progress}
   */
  static JsonObject response(JsonObject request, String id, long createdAt, String model, String finishReason,
                             JsonArray output, JsonObject usage) {
    String status = finishReason == null ? "in_progress" : "completed";
    JsonObject incomplete = null;
    if ("length".equals(finishReason) || "content_filter".equals(finishReason)) {
      status = "incomplete";
      incomplete = new JsonObject().put("reason", "length".equals(finishReason) ? "max_output_tokens" : "content_filter");
    }
    JsonObject text = Json.object(request.getValue("text"));
    return new JsonObject()
        .put("id", id)
        .put("object", "response")
        .put("created_at", createdAt)
        .put("status", status)
        .put("background", false)
        .put("error", null)
        .put("incomplete_details", incomplete)
        .put("instructions", request.getValue("instructions"))
        .put("max_output_tokens", request.getValue("max_output_tokens"))
        .put("metadata", request.getValue("metadata") instanceof JsonObject m ? m : new JsonObject())
        .put("model", model != null ? model : request.getValue("model"))
        .put("output", output)
        .put("parallel_tool_calls", request.getValue("parallel_tool_calls", true))
        .put("previous_response_id", null)
        .put("reasoning", new JsonObject().put("effort", null).put("summary", null))
        .put("store", false)
        .put("temperature", request.getValue("temperature", 1.0))
        .put("text", text != null && text.getValue("format") != null ? text
            : new JsonObject().put("format", new JsonObject().put("type", "text")))
        .put("tool_choice", request.getValue("tool_choice", "auto"))
        .put("tools", request.getValue("tools") instanceof JsonArray t ? t : new JsonArray())
        .put("top_p", request.getValue("top_p", 1.0))
        .put("truncation", "disabled")
        .put("usage", usage)
        .put("user", request.getValue("user"));
  }

  /** The Responses {@code usage} object; {@code chatUsage} (may be null) gives the token details. */
  static JsonObject usage(int inputTokens, int outputTokens, JsonObject chatUsage) {
    JsonObject promptDetails = chatUsage == null ? null : Json.object(chatUsage.getValue("prompt_tokens_details"));
    JsonObject completionDetails = chatUsage == null ? null
        : Json.object(chatUsage.getValue("completion_tokens_details"));
    return new JsonObject()
        .put("input_tokens", inputTokens)
        .put("input_tokens_details", new JsonObject().put("cached_tokens", Json.integer(promptDetails, "cached_tokens")))
        .put("output_tokens", outputTokens)
        .put("output_tokens_details", new JsonObject()
            .put("reasoning_tokens", Json.integer(completionDetails, "reasoning_tokens")))
        .put("total_tokens", inputTokens + outputTokens);
  }

  /** Reads the tokens of a Responses {@code usage} object (absent: nothing is reported). */
  public static void readUsage(JsonObject usage, TokenCounts counts) {
    if (usage != null) {
      counts.set(Json.integer(usage, "input_tokens"), Json.integer(usage, "output_tokens"));
    }
  }

  static JsonObject messageItem(String id, String status, JsonArray content) {
    return new JsonObject().put("id", id).put("type", "message").put("status", status).put("role", "assistant")
        .put("content", content);
  }

  static JsonObject textPart(String text) {
    return new JsonObject().put("type", "output_text").put("text", text).put("annotations", new JsonArray())
        .put("logprobs", new JsonArray());
  }

  static JsonObject functionCall(String id, String callId, String name, String arguments, String status) {
    return new JsonObject().put("id", id).put("type", "function_call").put("status", status)
        .put("call_id", callId).put("name", name).put("arguments", arguments);
  }

  static String responseId() {
    return itemId("resp");
  }

  /** An output item id in OpenAI's style ({@code msg_...}, {@code fc_...}). */
  static String itemId(String prefix) {
    return prefix + "_" + Ids.compact();
  }
}
