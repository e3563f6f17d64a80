package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Error bodies in each protocol's shape: OpenAI {@code {"error":{"message","type","param","code"}}},
 * Anthropic {@code {"type":"error","error":{"type","message"}}}. An upstream's 4xx goes back to
 * the client in the client's shape, whatever the upstream spoke.
 */
public final class ErrorBodies {
  private ErrorBodies() {
  }

  /** The Anthropic error type for an HTTP status. */
  public static String anthropicType(int status) {
    return switch (status) {
      case 400, 405, 408, 415 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      case 504 -> "timeout_error";
      default -> "api_error";
    };
  }

  public static JsonObject anthropic(String type, String message) {
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("type", type).put("message", message));
  }

  public static JsonObject openAi(String type, String message, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .put("param", null).put("code", code));
  }

  /** Any upstream error body (Anthropic, OpenAI, Bedrock's {@code {"message"}}, HTML) → the Anthropic shape. */
  public static Buffer toAnthropic(Buffer body, int status) {
    JsonObject json = parse(body);
    if (json != null && "error".equals(json.getValue("type")) && Json.object(json.getValue("error")) != null) {
      return body;
    }
    return anthropic(anthropicType(status), message(json, status)).toBuffer();
  }

  /** Any upstream error body → the OpenAI shape. */
  public static Buffer toOpenAi(Buffer body, int status) {
    JsonObject json = parse(body);
    if (json != null && !"error".equals(json.getValue("type")) && Json.object(json.getValue("error")) != null) {
      return body;
    }
    JsonObject error = json == null ? null : Json.object(json.getValue("error"));
    String type = error != null && error.getValue("type") instanceof String t ? t
        : status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
    return openAi(type, message(json, status), null).toBuffer();
  }

  private static String message(JsonObject json, int status) {
    if (json != null) {
      JsonObject error = Json.object(json.getValue("error"));
      if (error != null && error.getValue("message") instanceof String m) {
        return m;
      }
      if (json.getValue("message") instanceof String m) {
        return m;
      }
      if (json.getValue("Message") instanceof String m) {
        return m;
      }
    }
    return "the upstream answered with status " + status;
  }

  private static JsonObject parse(Buffer body) {
    try {
      return body == null || body.length() == 0 ? null : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }
}
