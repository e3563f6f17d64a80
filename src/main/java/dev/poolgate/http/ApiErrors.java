package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.protocol.ErrorBodies;
import dev.poolgate.protocol.SseEvent;
import dev.poolgate.provider.Protocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Writes failures in the OpenAI error shape {@code {"error":{"message","type","param","code"}}},
 * or for Anthropic clients ({@code /v1/messages}) in theirs: {@code {"type":"error","error":{"type","message"}}}.
 */
public final class ApiErrors {
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private ApiErrors() {
  }

  public static JsonObject body(ErrorKind kind, String message) {
    return new JsonObject().put("error", new JsonObject()
        .put("message", message)
        .put("type", kind.type())
        .put("param", null)
        .put("code", kind.code()));
  }

  /** The error body in the client's protocol. */
  public static JsonObject body(Protocol protocol, ErrorKind kind, String message) {
    return protocol == Protocol.ANTHROPIC ? ErrorBodies.anthropic(ErrorBodies.anthropicType(kind.status()), message)
        : body(kind, message);
  }

  /** Sends an error response, if the response is still open and nothing was sent yet. */
  public static void send(HttpServerResponse resp, GatewayException e) {
    send(resp, e, Protocol.OPENAI);
  }

  /** Sends an error response in the client's protocol, if nothing was sent yet. */
  public static void send(HttpServerResponse resp, GatewayException e, Protocol protocol) {
    if (resp.headWritten() || resp.ended() || resp.closed()) {
      return;
    }
    ErrorKind kind = e.kind();
    resp.setStatusCode(kind.status());
    resp.headers().remove("x-poolgate-instance");
    resp.headers().remove(HttpHeaders.TRANSFER_ENCODING);
    resp.setChunked(false);
    resp.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    if (kind.retryAfter()) {
      resp.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfterSeconds())));
    }
    resp.end(body(protocol, kind, e.getMessage()).toBuffer());
  }

  /** The SSE event that ends a stream that broke after it started. */
  public static Buffer sseEvent(GatewayException e) {
    return SseEvent.data(body(e.kind(), e.getMessage()).toBuffer());
  }

  /**
   * The error event in the client's protocol: Anthropic's is {@code event: error} with its error
   * body, the Responses API's {@code event: error} with {@code code}, {@code message},
   * {@code param} and the stream's next {@code sequence_number}.
   *
   * @param sequence how many events the stream carried before this one (Responses API only)
   */
  public static Buffer sseEvent(GatewayException e, Protocol protocol, int sequence) {
    return switch (protocol) {
      case ANTHROPIC -> SseEvent.named("error", body(protocol, e.kind(), e.getMessage()).encode());
      case RESPONSES -> SseEvent.named("error", new JsonObject().put("type", "error").put("code", e.kind().code())
          .put("message", e.getMessage()).put("param", null).put("sequence_number", sequence).encode());
      case OPENAI -> sseEvent(e);
    };
  }
}
