package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * One server-sent event: its {@code event:} name (null if none) and its {@code data:} lines
 * joined. Its static methods are the one SSE writer.
 */
public record SseEvent(String event, String data) {
  private static final byte[] DATA = "data: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** {@code data: ...} */
  public static Buffer data(String data) {
    return Buffer.buffer("data: " + data + "\n\n");
  }

  /** {@code data: ...} around bytes already encoded (a JSON chunk), without a copy through a String. */
  public static Buffer data(Buffer data) {
    return append(Buffer.buffer(data.length() + DATA.length + END.length), data);
  }

  /** Appends {@code data: ...} to out; returns out. */
  public static Buffer append(Buffer out, Buffer data) {
    return out.appendBytes(DATA).appendBuffer(data).appendBytes(END);
  }

  /** {@code data: [DONE]}, the end of an OpenAI stream. */
  public static Buffer done() {
    return data("[DONE]");
  }

  /** {@code event: ...} then {@code data: ...}, as Anthropic sends its events. */
  public static Buffer named(String event, String data) {
    return Buffer.buffer("event: " + event + "\ndata: " + data + "\n\n");
  }
}
