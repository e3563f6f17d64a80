package dev.poolgate.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Lenient readers for request bodies the client wrote: a wrong type reads as absent. */
public final class Json {
  private Json() {
  }

  static JsonObject object(Object value) {
    return value instanceof JsonObject o ? o : null;
  }

  static JsonArray array(Object value) {
    return value instanceof JsonArray a ? a : new JsonArray();
  }

  static String string(Object value) {
    return value instanceof String s ? s : null;
  }

  static int integer(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof Number n ? n.intValue() : 0;
  }

  /** Tool arguments are a JSON string in OpenAI and an object elsewhere; bad JSON becomes {}. */
  static JsonObject arguments(Object raw) {
    if (raw instanceof JsonObject o) {
      return o;
    }
    if (raw instanceof String s && !s.isBlank()) {
      try {
        return new JsonObject(s);
      } catch (DecodeException | ClassCastException e) {
        return new JsonObject();
      }
    }
    return new JsonObject();
  }

  /** An answer that must be a JSON object. */
  public static JsonObject answer(io.vertx.core.buffer.Buffer body) {
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException("the answer is not valid JSON");
    }
  }

  /** Text of OpenAI content: a string, or the text parts of an array. */
  static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (Object part : array(content)) {
      if (part instanceof JsonObject p && p.getValue("text") instanceof String t) {
        sb.append(sb.length() == 0 ? "" : "\n").append(t);
      }
    }
    return sb.toString();
  }
}
