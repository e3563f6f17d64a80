package dev.poolgate.http;

import dev.poolgate.config.ClientKeyConfig;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.dispatch.ReplySink;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * LLM-API-BalancedCall's routes: {@code POST /llm/chat} answers {@code {"result": text}},
 * {@code POST /llm/chat/stream} the answer's text as plain chunks, {@code GET /llm/models}
 * {@code {"models": [...]}}. The body is {@code {"messages": [...], "tools": [...]}}; a request
 * that names no {@code model} goes to the default pool.
 */
final class LlmApi implements ApiShape {
  static final LlmApi CHAT = new LlmApi(false);
  static final LlmApi STREAM = new LlmApi(true);

  private final boolean stream;

  private LlmApi(boolean stream) {
    this.stream = stream;
  }

  @Override
  public JsonObject request(JsonObject body, GatewayConfig config) {
    if (body.getValue("model") == null) {
      // pool names are always valid model names
      body.put("model", config.defaultPool());
    }
    // the route, not the body, says whether the answer streams
    body.put("stream", stream);
    if (body.getValue("tools") instanceof JsonArray tools && tools.isEmpty()) {
      // the reference sends "tools": [] by default; OpenAI rejects an empty list
      body.remove("tools");
    }
    return body;
  }

  @Override
  public ReplySink sink(HttpServerResponse resp) {
    return new LlmReplySink(resp, stream);
  }

  /** {@code GET /llm/models}: the client-facing model names (those the client key may use). */
  static JsonObject models(GatewayConfig config, ClientKeyConfig key) {
    return new JsonObject().put("models", new JsonArray(visibleModels(config, key)));
  }

  /** The client-facing model names the key may use (all with no key). */
  static List<String> visibleModels(GatewayConfig config, ClientKeyConfig key) {
    return config.models().entrySet().stream()
        .filter(m -> key == null || key.allows(m.getKey(), m.getValue()))
        .map(Map.Entry::getKey)
        .toList();
  }
}
