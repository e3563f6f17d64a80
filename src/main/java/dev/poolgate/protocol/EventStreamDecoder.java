package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Decodes the AWS event-stream binary framing that Bedrock streams use. A message is a 12-byte
 * prelude (total length, headers length, CRC32 of those 8 bytes), the headers, the payload and a
 * CRC32 of everything before it; both CRCs are checked, so a corrupt or truncated frame is an
 * error, never a wrong event. Holds at most one partial message, bounded in size.
 */
public final class EventStreamDecoder implements Framer<EventStreamMessage> {
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  private static final int PRELUDE = 12;
  private static final int MIN_MESSAGE = PRELUDE + 4;
  private Buffer partial = Buffer.buffer();

  @Override
  public List<EventStreamMessage> push(Buffer bytes) {
    Buffer data = partial.length() == 0 ? bytes : partial.appendBuffer(bytes);
    List<EventStreamMessage> out = new ArrayList<>();
    int pos = 0;
    while (data.length() - pos >= PRELUDE) {
      long total = data.getUnsignedInt(pos);
      long headersLength = data.getUnsignedInt(pos + 4);
      if (crc(data, pos, 8) != data.getUnsignedInt(pos + 8)) {
        throw new ProtocolException("event-stream prelude CRC mismatch");
      }
      if (total < MIN_MESSAGE || total > MAX_MESSAGE_BYTES || headersLength > total - MIN_MESSAGE) {
        throw new ProtocolException("event-stream message of impossible length " + total);
      }
      if (data.length() - pos < total) {
        break;
      }
      int end = pos + (int) total;
      if (crc(data, pos, (int) total - 4) != data.getUnsignedInt(end - 4)) {
        throw new ProtocolException("event-stream message CRC mismatch");
      }
      int headersEnd = pos + PRELUDE + (int) headersLength;
      out.add(new EventStreamMessage(headers(data, pos + PRELUDE, headersEnd), data.getBuffer(headersEnd, end - 4)));
      pos = end;
    }
    partial = pos == data.length() ? Buffer.buffer() : data.getBuffer(pos, data.length());
    return out;
  }

  @Override
  public boolean hasPartial() {
    return partial.length() > 0;
  }

  /** Header name (1-byte length), type (1 byte), value; strings are kept, other types skipped by their size. */
  private static Map<String, String> headers(Buffer data, int from, int to) {
    Map<String, String> headers = new LinkedHashMap<>();
    int p = from;
    try {
      while (p < to) {
        int nameLength = data.getUnsignedByte(p);
        String name = data.getString(p + 1, p + 1 + nameLength, "UTF-8");
        p += 1 + nameLength;
        int type = data.getUnsignedByte(p++);
        switch (type) {
          case 0, 1 -> { } // boolean true / false: no value bytes
          case 2 -> p += 1;
          case 3 -> p += 2;
          case 4 -> p += 4;
          case 5, 8 -> p += 8; // long, timestamp
          case 9 -> p += 16; // uuid
          case 6, 7 -> { // bytes, string: 2-byte length
            int length = data.getUnsignedShort(p);
            if (type == 7) {
              headers.put(name, new String(data.getBytes(p + 2, p + 2 + length), StandardCharsets.UTF_8));
            }
            p += 2 + length;
          }
          default -> throw new ProtocolException("event-stream header of unknown type " + type);
        }
      }
    } catch (IndexOutOfBoundsException e) {
      throw new ProtocolException("event-stream headers overrun their length");
    }
    if (p != to) {
      throw new ProtocolException("event-stream headers overrun their length");
    }
    return headers;
  }

  static long crc(Buffer data, int from, int length) {
    CRC32 crc = new CRC32();
    crc.update(data.getBytes(from, from + length));
    return crc.getValue();
  }
}
