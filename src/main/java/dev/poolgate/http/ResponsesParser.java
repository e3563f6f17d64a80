package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.dispatch.Job;
import dev.poolgate.provider.Endpoint;
import dev.poolgate.provider.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Turns an OpenAI Responses API request ({@code POST /v1/responses}) into a {@link Job}: a known
 * model, an {@code input} (a string or a non-empty array of items), well-typed settings, and a
 * priority from {@code user_level}, {@code metadata.user_level} or the {@code X-Priority} header
 * (taken out of the body). The gateway keeps no responses, so what needs them —
 * {@code previous_response_id}, {@code conversation}, {@code store: true}, {@code background} —
 * is a 400 that says so.
 */
public final class ResponsesParser {
  private ResponsesParser() {
  }

  /** @param defaultPriority what a request that asks for no priority gets (its client key's) */
  public static Job parse(String requestId, JsonObject body, Map<String, String> models, String headerLevel,
                          int defaultPriority) {
    for (String stateful : new String[] {"previous_response_id", "conversation"}) {
      if (body.getValue(stateful) != null) {
        throw ErrorKind.BAD_REQUEST.exception(stateful + ": this gateway keeps no responses or conversations; "
            + "send the whole conversation in 'input' (earlier output items included) instead");
      }
    }
    if (Boolean.TRUE.equals(body.getValue("store"))) {
      throw ErrorKind.BAD_REQUEST.exception("store: this gateway keeps no responses; leave 'store' out or set it "
          + "to false");
    }
    if (Boolean.TRUE.equals(body.getValue("background"))) {
      throw ErrorKind.BAD_REQUEST.exception("background: background responses need responses kept by the server, "
          + "which this gateway does not keep; leave 'background' out");
    }
    Object input = body.getValue("input");
    if (!(input instanceof String) && !(input instanceof JsonArray items && !items.isEmpty())) {
      throw ErrorKind.BAD_REQUEST.exception("input: is required: a string, or a non-empty array of input items");
    }
    if (input instanceof JsonArray items) {
      for (int i = 0; i < items.size(); i++) {
        if (!(items.getValue(i) instanceof JsonObject)) {
          throw ErrorKind.BAD_REQUEST.exception("input[" + i + "]: must be an object (a message, a function_call "
              + "or a function_call_output item)");
        }
      }
    }
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      throw ErrorKind.BAD_REQUEST.exception("model: is required and must be a string");
    }
    String pool = models.get(model);
    if (pool == null) {
      throw ErrorKind.MODEL_NOT_FOUND.exception("The model '" + model + "' does not exist; GET /v1/models lists them");
    }
    checkType(body, "instructions", String.class, "a string");
    checkType(body, "max_output_tokens", Number.class, "a number");
    checkType(body, "temperature", Number.class, "a number");
    checkType(body, "top_p", Number.class, "a number");
    checkType(body, "stream", Boolean.class, "true or false");
    checkType(body, "tools", JsonArray.class, "an array");
    checkType(body, "text", JsonObject.class, "an object");
    checkType(body, "metadata", JsonObject.class, "an object of strings");
    Object level = body.remove(RequestParser.USER_LEVEL);
    if (level == null && body.getValue("metadata") instanceof JsonObject metadata) {
      level = metadata.remove(RequestParser.USER_LEVEL);
    }
    int priority = RequestParser.priority(level, headerLevel, defaultPriority);
    return new Job(requestId, model, pool, Endpoint.CHAT, body, Boolean.TRUE.equals(body.getValue("stream")),
        priority, Protocol.RESPONSES);
  }

  private static void checkType(JsonObject body, String key, Class<?> type, String what) {
    Object value = body.getValue(key);
    if (value != null && !type.isInstance(value)) {
      throw ErrorKind.BAD_REQUEST.exception(key + ": must be " + what);
    }
  }
}
