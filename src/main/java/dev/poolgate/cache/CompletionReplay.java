package dev.poolgate.cache;

import dev.poolgate.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** Replays a cached completion as a well-formed OpenAI SSE stream. */
public final class CompletionReplay {
  private CompletionReplay() {
  }

  /** The SSE events of the completion: role, content, tool calls, finish, usage if asked, [DONE]. */
  public static List<Buffer> events(JsonObject completion, boolean includeUsage) {
    boolean chat = "chat.completion".equals(completion.getString("object"));
    String object = chat ? "chat.completion.chunk" : "text_completion";
    JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
    List<Buffer> events = new ArrayList<>();
    if (chat) {
      JsonObject message = choice.getJsonObject("message", new JsonObject());
      events.add(event(completion, object, new JsonObject().put("index", 0)
          .put("delta", new JsonObject().put("role", message.getString("role", "assistant")).put("content", ""))
          .put("finish_reason", null)));
      String content = message.getString("content");
      if (content != null && !content.isEmpty()) {
        events.add(event(completion, object, new JsonObject().put("index", 0)
            .put("delta", new JsonObject().put("content", content)).put("finish_reason", null)));
      }
      JsonArray calls = message.getJsonArray("tool_calls");
      if (calls != null) {
        JsonArray indexed = new JsonArray();
        for (int i = 0; i < calls.size(); i++) {
          indexed.add(calls.getJsonObject(i).copy().put("index", i));
        }
        events.add(event(completion, object, new JsonObject().put("index", 0)
            .put("delta", new JsonObject().put("tool_calls", indexed)).put("finish_reason", null)));
      }
      events.add(event(completion, object, new JsonObject().put("index", 0).put("delta", new JsonObject())
          .put("finish_reason", choice.getString("finish_reason", "stop"))));
    } else {
      events.add(event(completion, object, new JsonObject().put("index", 0)
          .put("text", choice.getString("text", "")).put("logprobs", null)
          .put("finish_reason", choice.getString("finish_reason", "stop"))));
    }
    if (includeUsage && completion.getValue("usage") instanceof JsonObject usage) {
      events.add(sse(new JsonObject().put("id", completion.getString("id")).put("object", object)
          .put("created", completion.getValue("created")).put("model", completion.getString("model"))
          .put("choices", new JsonArray()).put("usage", usage)));
    }
    events.add(SseEvent.done());
    return events;
  }

  private static Buffer event(JsonObject completion, String object, JsonObject choice) {
    return sse(new JsonObject().put("id", completion.getString("id")).put("object", object)
        .put("created", completion.getValue("created")).put("model", completion.getString("model"))
        .put("choices", new JsonArray().add(choice)));
  }

  private static Buffer sse(JsonObject event) {
    return SseEvent.data(event.toBuffer());
  }
}
