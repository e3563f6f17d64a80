package dev.poolgate.http;

import dev.poolgate.config.GatewayConfig;
import dev.poolgate.dispatch.ReplySink;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

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

  /** {@code GET /llm/models}: the client-facing model names. */
  static JsonObject models(GatewayConfig config) {
    return new JsonObject().put("models", new JsonArray(java.util.List.copyOf(config.models().keySet())));
  }
}
