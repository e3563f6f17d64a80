package dev.poolgate.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * OpenAI chat completions → the Bedrock Converse API, for an OpenAI client served by Bedrock: the
 * request one way, the whole answer the other (streams: {@link ConverseStreamToChunks}).
 */
public final class ChatToConverse {
  private ChatToConverse() {
  }

  public static JsonObject request(JsonObject chat) {
    JsonArray system = new JsonArray();
    JsonArray messages = new JsonArray();
    for (Object m : Json.array(chat.getValue("messages"))) {
      if (!(m instanceof JsonObject msg)) {
        continue;
      }
      switch (String.valueOf(msg.getValue("role"))) {
        case "system", "developer" -> system.add(new JsonObject().put("text", Json.text(msg.getValue("content"))));
        case "assistant" -> append(messages, "assistant", assistant(msg));
        case "tool", "function" -> append(messages, "user", new JsonArray().add(new JsonObject().put("toolResult",
            new JsonObject().put("toolUseId", msg.getValue("tool_call_id", msg.getValue("name")))
                .put("content", new JsonArray().add(new JsonObject().put("text", Json.text(msg.getValue("content"))))))));
        default -> append(messages, "user", user(msg.getValue("content")));
      }
    }
    JsonObject out = new JsonObject().put("messages", messages);
    if (!system.isEmpty()) {
      out.put("system", system);
    }
    JsonObject inference = new JsonObject();
    Object max = chat.getValue("max_completion_tokens", chat.getValue("max_tokens"));
    if (max instanceof Number n) {
      inference.put("maxTokens", n.intValue());
    }
    if (chat.getValue("temperature") instanceof Number t) {
      inference.put("temperature", t);
    }
    if (chat.getValue("top_p") instanceof Number p) {
      inference.put("topP", p);
    }
    Object stop = chat.getValue("stop");
    if (stop instanceof String s) {
      inference.put("stopSequences", new JsonArray().add(s));
    } else if (stop instanceof JsonArray a && !a.isEmpty()) {
      inference.put("stopSequences", a.copy());
    }
    if (!inference.isEmpty()) {
      out.put("inferenceConfig", inference);
    }
    tools(chat, out);
    return out;
  }

  private static void tools(JsonObject chat, JsonObject out) {
    JsonArray tools = new JsonArray();
    for (Object t : Json.array(chat.getValue("tools"))) {
      JsonObject fn = t instanceof JsonObject tool ? Json.object(tool.getValue("function")) : null;
      if (fn != null) {
        JsonObject schema = Json.object(fn.getValue("parameters"));
        JsonObject spec = new JsonObject().put("name", fn.getValue("name"))
            .put("inputSchema", new JsonObject().put("json", schema != null ? schema : new JsonObject().put("type", "object")));
        if (fn.getValue("description") instanceof String d) {
          spec.put("description", d);
        }
        tools.add(new JsonObject().put("toolSpec", spec));
      }
    }
    if (tools.isEmpty()) {
      return;
    }
    JsonObject config = new JsonObject().put("tools", tools);
    Object choice = chat.getValue("tool_choice");
    // Converse has no "none": the tools stay declared (earlier turns may use them) and the model chooses
    if ("required".equals(choice)) {
      config.put("toolChoice", new JsonObject().put("any", new JsonObject()));
    } else if (choice instanceof JsonObject named && Json.object(named.getValue("function")) != null) {
      config.put("toolChoice", new JsonObject().put("tool", new JsonObject()
          .put("name", named.getJsonObject("function").getValue("name"))));
    } else if ("auto".equals(choice)) {
      config.put("toolChoice", new JsonObject().put("auto", new JsonObject()));
    }
    out.put("toolConfig", config);
  }

  /** Converse wants user and assistant turns to alternate: a turn of the same role as the last is merged into it. */
  private static void append(JsonArray messages, String role, JsonArray content) {
    if (content.isEmpty()) {
      return;
    }
    JsonObject last = messages.isEmpty() ? null : messages.getJsonObject(messages.size() - 1);
    if (last != null && role.equals(last.getString("role"))) {
      last.getJsonArray("content").addAll(content);
    } else {
      messages.add(new JsonObject().put("role", role).put("content", content));
    }
  }

  private static JsonArray user(Object content) {
    JsonArray out = new JsonArray();
    if (content instanceof String s) {
      return s.isEmpty() ? out : out.add(new JsonObject().put("text", s));
    }
    for (Object p : Json.array(content)) {
      if (!(p instanceof JsonObject part)) {
        continue;
      }
      if ("image_url".equals(part.getValue("type"))) {
        JsonObject image = Json.object(part.getValue("image_url"));
        String url = image == null ? null : Json.string(image.getValue("url"));
        DataUrl data = url == null ? null : DataUrl.parse(url);
        if (data == null) {
          // Converse takes image bytes or S3 locations, never a web URL
          throw new IllegalArgumentException("Bedrock accepts images only as data: URLs");
        }
        out.add(new JsonObject().put("image", new JsonObject().put("format", data.format())
            .put("source", new JsonObject().put("bytes", data.base64()))));
      } else if (part.getValue("text") instanceof String t) {
        out.add(new JsonObject().put("text", t));
      }
    }
    return out;
  }

  private static JsonArray assistant(JsonObject msg) {
    JsonArray out = new JsonArray();
    String text = Json.text(msg.getValue("content"));
    if (!text.isEmpty()) {
      out.add(new JsonObject().put("text", text));
    }
    for (Object c : Json.array(msg.getValue("tool_calls"))) {
      if (c instanceof JsonObject call && Json.object(call.getValue("function")) != null) {
        JsonObject fn = call.getJsonObject("function");
        out.add(new JsonObject().put("toolUse", new JsonObject().put("toolUseId", call.getValue("id"))
            .put("name", fn.getValue("name")).put("input", Json.arguments(fn.getValue("arguments")))));
      }
    }
    return out;
  }

  /** A Converse answer → an OpenAI {@code chat.completion}. */
  public static JsonObject answer(JsonObject converse, String id, String model, long created) {
    JsonObject output = Json.object(converse.getValue("output"));
    JsonObject message = output == null ? null : Json.object(output.getValue("message"));
    if (message == null || !(message.getValue("content") instanceof JsonArray content)) {
      throw new ProtocolException("the answer has no output message");
    }
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    for (Object b : content) {
      if (!(b instanceof JsonObject block)) {
        continue;
      }
      if (block.getValue("text") instanceof String t) {
        text.append(t);
      } else if (Json.object(block.getValue("toolUse")) != null) {
        JsonObject use = block.getJsonObject("toolUse");
        JsonObject input = Json.object(use.getValue("input"));
        calls.add(new JsonObject().put("id", use.getValue("toolUseId")).put("type", "function")
            .put("function", new JsonObject().put("name", use.getValue("name"))
                .put("arguments", (input == null ? new JsonObject() : input).encode())));
      }
    }
    JsonObject msg = new JsonObject().put("role", "assistant")
        .put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString());
    if (!calls.isEmpty()) {
      msg.put("tool_calls", calls);
    }
    JsonObject usage = Json.object(converse.getValue("usage"));
    int prompt = Json.integer(usage, "inputTokens");
    int completion = Json.integer(usage, "outputTokens");
    return new JsonObject().put("id", id).put("object", "chat.completion").put("created", created).put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", msg).put("logprobs", null)
            .put("finish_reason", FinishReasons.toOpenAi(Json.string(converse.getValue("stopReason"))))))
        .put("usage", new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
            .put("total_tokens", prompt + completion));
  }
}
