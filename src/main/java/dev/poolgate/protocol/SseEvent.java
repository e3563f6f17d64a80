package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

/** One server-sent event: its {@code event:} name (null if none) and its {@code data:} lines joined. */
public record SseEvent(String event, String data) {

  /** {@code data: ...} */
  public static Buffer data(String data) {
    return Buffer.buffer("data: " + data + "\n\n");
  }

  /** {@code event: ...} then {@code data: ...}, as Anthropic sends its events. */
  public static Buffer named(String event, String data) {
    return Buffer.buffer("event: " + event + "\ndata: " + data + "\n\n");
  }
}
