package dev.poolgate.cache;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Folds the chunks of a streamed answer into the completion a non-stream request would have got:
 * content and tool-call arguments concatenated, finish reason and usage kept. The cache stores
 * one shape and replays it either way.
 */
public final class CompletionAssembler {
  private String id;
  private String model;
  private long created;
  private String object;
  private final StringBuilder content = new StringBuilder();
  private final StringBuilder text = new StringBuilder();
  private final List<JsonObject> toolCalls = new ArrayList<>();
  private String role = "assistant";
  private String finishReason;
  private JsonObject usage;

  /** Adds one chunk (the JSON of one {@code data:} event). */
  public void add(JsonObject chunk) {
    id = chunk.getString("id", id);
    model = chunk.getString("model", model);
    created = chunk.getLong("created", created);
    object = chunk.getString("object", object);
    if (chunk.getValue("usage") instanceof JsonObject u) {
      usage = u;
    }
    JsonArray choices = chunk.getJsonArray("choices");
    if (choices == null || choices.isEmpty()) {
      return;
    }
    JsonObject choice = choices.getJsonObject(0);
    if (choice.getString("finish_reason") != null) {
      finishReason = choice.getString("finish_reason");
    }
    if (choice.getValue("text") instanceof String t) {
      text.append(t);
    }
    JsonObject delta = choice.getJsonObject("delta");
    if (delta == null) {
      return;
    }
    role = delta.getString("role", role);
    if (delta.getValue("content") instanceof String c) {
      content.append(c);
    }
    JsonArray calls = delta.getJsonArray("tool_calls");
    if (calls != null) {
      for (int i = 0; i < calls.size(); i++) {
        mergeToolCall(calls.getJsonObject(i));
      }
    }
  }

  private void mergeToolCall(JsonObject part) {
    int index = part.getInteger("index", toolCalls.size());
    while (toolCalls.size() <= index) {
      toolCalls.add(new JsonObject().put("type", "function")
          .put("function", new JsonObject().put("name", "").put("arguments", "")));
    }
    JsonObject call = toolCalls.get(index);
    if (part.getString("id") != null) {
      call.put("id", part.getString("id"));
    }
    JsonObject fn = part.getJsonObject("function");
    if (fn != null) {
      JsonObject into = call.getJsonObject("function");
      if (fn.getString("name") != null) {
        into.put("name", into.getString("name") + fn.getString("name"));
      }
      if (fn.getString("arguments") != null) {
        into.put("arguments", into.getString("arguments") + fn.getString("arguments"));
      }
    }
  }

  /** The completion, in the non-stream shape of the endpoint the chunks came from. */
  public JsonObject completion() {
    boolean chat = !"text_completion".equals(object);
    JsonObject choice = new JsonObject().put("index", 0).put("finish_reason", finishReason);
    if (chat) {
      JsonObject message = new JsonObject().put("role", role).put("content", content.toString());
      if (!toolCalls.isEmpty()) {
        message.put("tool_calls", new JsonArray(new ArrayList<>(toolCalls)));
      }
      choice.put("message", message);
    } else {
      choice.put("text", text.toString()).put("logprobs", null);
    }
    JsonObject out = new JsonObject().put("id", id).put("object", chat ? "chat.completion" : "text_completion")
        .put("created", created).put("model", model).put("choices", new JsonArray().add(choice));
    if (usage != null) {
      out.put("usage", usage);
    }
    return out;
  }
}
