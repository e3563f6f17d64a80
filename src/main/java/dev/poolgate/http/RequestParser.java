package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.dispatch.Job;
import dev.poolgate.provider.Endpoint;
import dev.poolgate.scheduling.Ticket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Turns a request body into a {@link Job}: a JSON object in strict UTF-8 and not nested too deep
 * ({@link JsonBytes}), the fields its endpoint needs, a known model, a priority from
 * {@code user_level} or {@code X-Priority}. Fields it does not know ({@code tools},
 * {@code response_format}, ...) pass through untouched; {@code user_level}, which only the
 * gateway understands, is taken out.
 */
public final class RequestParser {
  public static final String USER_LEVEL = "user_level";

  private RequestParser() {
  }

  public static JsonObject json(Buffer body) {
    if (body == null || body.length() == 0) {
      throw ErrorKind.INVALID_JSON.exception("the request body is empty; send a JSON object");
    }
    int i = 0;
    while (i < body.length() && Character.isWhitespace(body.getByte(i))) {
      i++;
    }
    if (i == body.length() || body.getByte(i) != '{') {
      throw ErrorKind.INVALID_JSON.exception("the request body must be a JSON object");
    }
    JsonBytes.check(body.getBytes(), JsonBytes.MAX_NESTING_DEPTH);
    try {
      return new JsonObject(body);
    } catch (DecodeException e) {
      throw ErrorKind.INVALID_JSON.exception("the request body is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  /**
   * @param models       client-facing model name → pool
   * @param headerLevel  the X-Priority header, or null
   */
  public static Job parse(String requestId, Endpoint endpoint, JsonObject body, Map<String, String> models,
                          String headerLevel) {
    return parse(requestId, endpoint, body, models, headerLevel, Ticket.MIN_PRIORITY);
  }

  /** As above; a request that asks for no priority gets {@code defaultPriority} (its client key's). */
  public static Job parse(String requestId, Endpoint endpoint, JsonObject body, Map<String, String> models,
                          String headerLevel, int defaultPriority) {
    switch (endpoint) {
      case CHAT -> {
        if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
          throw ErrorKind.BAD_REQUEST.exception("'messages' is required and must be a non-empty array");
        }
        for (int i = 0; i < messages.size(); i++) {
          if (!(messages.getValue(i) instanceof JsonObject m) || !(m.getValue("role") instanceof String)) {
            throw ErrorKind.BAD_REQUEST.exception("'messages[" + i + "]' must be an object with a 'role'");
          }
        }
      }
      case COMPLETIONS -> {
        if (body.getValue("prompt") == null) {
          throw ErrorKind.BAD_REQUEST.exception("'prompt' is required");
        }
      }
      case EMBEDDINGS -> {
        checkInput(body.getValue("input"));
        if (Boolean.TRUE.equals(body.getValue("stream"))) {
          throw ErrorKind.BAD_REQUEST.exception("embeddings do not stream; leave 'stream' out");
        }
      }
    }
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      throw ErrorKind.BAD_REQUEST.exception("'model' is required and must be a string");
    }
    String pool = models.get(model);
    if (pool == null) {
      throw ErrorKind.MODEL_NOT_FOUND.exception("The model '" + model + "' does not exist; GET /v1/models lists them");
    }
    Object stream = body.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw ErrorKind.BAD_REQUEST.exception("'stream' must be true or false");
    }
    int priority = priority(body.remove(USER_LEVEL), headerLevel, defaultPriority);
    return new Job(requestId, model, pool, endpoint, body, Boolean.TRUE.equals(stream), priority);
  }

  /** Embeddings input: a string, an array of strings, an array of token ids or an array of such arrays. */
  private static void checkInput(Object input) {
    String shape = "'input' is required: a non-empty string, an array of strings, or an array of token arrays";
    if (input instanceof String s) {
      if (s.isEmpty()) {
        throw ErrorKind.BAD_REQUEST.exception(shape);
      }
      return;
    }
    if (!(input instanceof JsonArray items) || items.isEmpty()) {
      throw ErrorKind.BAD_REQUEST.exception(shape);
    }
    boolean strings = items.stream().allMatch(i -> i instanceof String s && !s.isEmpty());
    boolean tokens = items.stream().allMatch(i -> i instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()));
    boolean tokenArrays = items.stream().allMatch(i -> i instanceof JsonArray a && !a.isEmpty()
        && a.stream().allMatch(t -> t instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())));
    if (!strings && !tokens && !tokenArrays) {
      throw ErrorKind.BAD_REQUEST.exception(shape);
    }
  }

  static int priority(Object bodyLevel, String headerLevel, int defaultPriority) {
    Object level = bodyLevel != null ? bodyLevel : headerLevel;
    String source = bodyLevel != null ? "'user_level'" : "the X-Priority header";
    if (level == null) {
      return defaultPriority;
    }
    int value;
    if (level instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      value = n.intValue();
    } else if (level instanceof String s && s.trim().matches("-?\\d{1,3}")) {
      value = Integer.parseInt(s.trim());
    } else {
      throw ErrorKind.BAD_REQUEST.exception(source + " must be a whole number from 0 to 10");
    }
    if (value < Ticket.MIN_PRIORITY || value > Ticket.MAX_PRIORITY) {
      throw ErrorKind.BAD_REQUEST.exception(source + " must be from 0 to 10, got " + value);
    }
    return value;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
