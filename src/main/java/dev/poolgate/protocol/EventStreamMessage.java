package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

import java.util.Map;

/** One message of an {@code application/vnd.amazon.eventstream}: its string headers and its payload. */
public record EventStreamMessage(Map<String, String> headers, Buffer payload) {

  /** {@code :event-type}, e.g. {@code contentBlockDelta}. */
  public String eventType() {
    return headers.get(":event-type");
  }

  /** {@code :message-type}: {@code event}, {@code exception} or {@code error}. */
  public String messageType() {
    return headers.getOrDefault(":message-type", "event");
  }

  /** What went wrong, for exception and error messages. */
  public String problem() {
    String type = headers.getOrDefault(":exception-type", headers.getOrDefault(":error-code", "error"));
    String message = headers.get(":error-message");
    return type + ": " + (message != null ? message : payload.toString());
  }
}
