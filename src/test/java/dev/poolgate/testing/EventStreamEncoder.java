package dev.poolgate.testing;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;

/** Encodes AWS event-stream messages as Bedrock sends them: prelude with CRC, string headers, payload, message CRC. */
public final class EventStreamEncoder {
  private EventStreamEncoder() {
  }

  /** An {@code event} message of this {@code :event-type}. */
  public static Buffer event(String eventType, String json) {
    return message(Map.of(":event-type", eventType, ":message-type", "event", ":content-type", "application/json"),
        json.getBytes(StandardCharsets.UTF_8));
  }

  /** An {@code exception} message, as Bedrock sends a throttling or internal error mid-stream. */
  public static Buffer exception(String exceptionType, String message) {
    return message(Map.of(":exception-type", exceptionType, ":message-type", "exception",
        ":content-type", "application/json"), ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  public static Buffer message(Map<String, String> headers, byte[] payload) {
    Buffer h = Buffer.buffer();
    headers.forEach((name, value) -> {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      byte[] v = value.getBytes(StandardCharsets.UTF_8);
      h.appendByte((byte) n.length).appendBytes(n).appendByte((byte) 7).appendShort((short) v.length).appendBytes(v);
    });
    int total = 12 + h.length() + payload.length + 4;
    Buffer out = Buffer.buffer().appendInt(total).appendInt(h.length());
    out.appendUnsignedInt(crc(out.getBytes()));
    out.appendBuffer(h).appendBytes(payload);
    return out.appendUnsignedInt(crc(out.getBytes()));
  }

  private static long crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return crc.getValue();
  }
}
