package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts SSE bytes into events. Works on bytes, so a UTF-8 character split between two network
 * chunks is decoded whole; holds at most one partial event, bounded in size.
 */
public final class SseFramer implements Framer<SseEvent> {
  public static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;
  private Buffer partial = Buffer.buffer();

  @Override
  public List<SseEvent> push(Buffer bytes) {
    Buffer data = partial.length() == 0 ? bytes : partial.appendBuffer(bytes);
    List<SseEvent> out = new ArrayList<>();
    int start = 0;
    for (int i = 1; i < data.length(); i++) {
      if (data.getByte(i) != '\n') {
        continue;
      }
      byte prev = data.getByte(i - 1);
      boolean blankLine = prev == '\n' || (prev == '\r' && i >= 2 && data.getByte(i - 2) == '\n');
      if (blankLine) {
        SseEvent event = parse(data.getString(start, i + 1, "UTF-8"));
        if (event != null) {
          out.add(event);
        }
        start = i + 1;
      }
    }
    partial = start == data.length() ? Buffer.buffer() : data.getBuffer(start, data.length());
    if (partial.length() > MAX_EVENT_BYTES) {
      throw new ProtocolException("an SSE event exceeded " + MAX_EVENT_BYTES + " bytes");
    }
    return out;
  }

  @Override
  public boolean hasPartial() {
    return partial.length() > 0;
  }

  /** One event's text; null for a comment-only event (keep-alives). */
  static SseEvent parse(String text) {
    String event = null;
    StringBuilder data = null;
    for (String line : text.split("\r?\n")) {
      if (line.startsWith("event:")) {
        event = value(line, 6);
      } else if (line.startsWith("data:")) {
        String v = value(line, 5);
        data = data == null ? new StringBuilder(v) : data.append('\n').append(v);
      }
    }
    return data == null && event == null ? null : new SseEvent(event, data == null ? "" : data.toString());
  }

  private static String value(String line, int from) {
    return line.substring(line.length() > from && line.charAt(from) == ' ' ? from + 1 : from);
  }
}
