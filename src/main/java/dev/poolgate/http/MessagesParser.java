package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.dispatch.Job;
import dev.poolgate.provider.Endpoint;
import dev.poolgate.provider.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Turns an Anthropic Messages request ({@code POST /v1/messages}) into a {@link Job}: a known
 * model, a non-empty {@code messages} array of user / assistant turns, a boolean {@code stream},
 * and a priority from the {@code X-Priority} header or {@code metadata.user_level} — taken out
 * of the body, since Anthropic accepts only {@code user_id} in {@code metadata}.
 */
public final class MessagesParser {
  private MessagesParser() {
  }

  public static Job parse(String requestId, JsonObject body, Map<String, String> models, String headerLevel) {
    return parse(requestId, body, models, headerLevel, dev.poolgate.scheduling.Ticket.MIN_PRIORITY);
  }

  /** As above; a request that asks for no priority gets {@code defaultPriority} (its client key's). */
  public static Job parse(String requestId, JsonObject body, Map<String, String> models, String headerLevel,
                          int defaultPriority) {
    String pool = pool(body, models);
    Object maxTokens = body.getValue("max_tokens");
    if (maxTokens == null) {
      // Anthropic's own words: its API requires max_tokens
      throw ErrorKind.BAD_REQUEST.exception("max_tokens: Field required");
    }
    if (!(maxTokens instanceof Number)) {
      throw ErrorKind.BAD_REQUEST.exception("max_tokens: must be a number");
    }
    Object stream = body.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw ErrorKind.BAD_REQUEST.exception("stream: must be true or false");
    }
    return new Job(requestId, (String) body.getValue("model"), pool, Endpoint.CHAT, body, Boolean.TRUE.equals(stream),
        priority(body, headerLevel, defaultPriority), Protocol.ANTHROPIC);
  }

  /**
   * A {@code POST /v1/messages/count_tokens} request: the same model and messages, no
   * {@code max_tokens}; never a stream.
   */
  public static Job countTokens(String requestId, JsonObject body, Map<String, String> models, String headerLevel,
                                int defaultPriority) {
    String pool = pool(body, models);
    return new Job(requestId, (String) body.getValue("model"), pool, Endpoint.COUNT_TOKENS, body, false,
        priority(body, headerLevel, defaultPriority), Protocol.ANTHROPIC);
  }

  /** Checks the messages and the model; returns the model's pool. */
  private static String pool(JsonObject body, Map<String, String> models) {
    if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
      throw ErrorKind.BAD_REQUEST.exception("messages: is required and must be a non-empty array");
    }
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject m)
          || !("user".equals(m.getValue("role")) || "assistant".equals(m.getValue("role")))) {
        throw ErrorKind.BAD_REQUEST.exception("messages." + i + ": must be an object with role 'user' or 'assistant'");
      }
    }
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      throw ErrorKind.BAD_REQUEST.exception("model: is required and must be a string");
    }
    String pool = models.get(model);
    if (pool == null) {
      throw ErrorKind.MODEL_NOT_FOUND.exception("model: '" + model + "' does not exist; GET /v1/models lists them");
    }
    return pool;
  }

  /** From {@code metadata.user_level} (taken out) or the header; else the default. */
  private static int priority(JsonObject body, String headerLevel, int defaultPriority) {
    Object level = null;
    if (body.getValue("metadata") instanceof JsonObject metadata) {
      level = metadata.remove(RequestParser.USER_LEVEL);
      if (metadata.isEmpty()) {
        body.remove("metadata");
      }
    }
    return RequestParser.priority(level, headerLevel, defaultPriority);
  }
}
