package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one SSE parser: cuts SSE bytes into events. Works on bytes, so a UTF-8 character split
 * between two network chunks is decoded whole; holds at most one partial event, bounded in size.
 * Its event-boundary scan ({@link #lastEventEnd}, {@link #nextEventEnd}) is also what the
 * pass-through relay uses to find events without decoding them.
 */
public final class SseFramer implements Framer<SseEvent> {
  public static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;
  private Buffer partial = Buffer.buffer();

  @Override
  public List<SseEvent> push(Buffer bytes) {
    if (partial.length() > 0 && !completesEvent(partial, bytes)) {
      partial.appendBuffer(bytes);
      checkBound();
      return List.of();
    }
    Buffer data = partial.length() == 0 ? bytes : partial.appendBuffer(bytes);
    byte[] raw = data.getBytes();
    List<SseEvent> out = new ArrayList<>();
    int end = lastEventEnd(raw);
    int start = 0;
    while (start < end) {
      int stop = nextEventEnd(raw, start, end);
      SseEvent event = parse(new String(raw, start, stop - start, StandardCharsets.UTF_8));
      if (event != null) {
        out.add(event);
      }
      start = stop;
    }
    partial = start == data.length() ? Buffer.buffer() : data.getBuffer(start, data.length());
    checkBound();
    return out;
  }

  private void checkBound() {
    if (partial.length() > MAX_EVENT_BYTES) {
      throw new ProtocolException("an SSE event exceeded " + MAX_EVENT_BYTES + " bytes");
    }
  }

  /**
   * Whether a chunk completes an event begun in {@code held} (which holds no complete event): looks
   * at the chunk and the last bytes held before it, where a blank line may begin. So a long event
   * that comes in many chunks is scanned a chunk at a time, not copied out whole at each chunk.
   */
  public static boolean completesEvent(Buffer held, Buffer chunk) {
    int keep = Math.min(3, held.length());
    byte[] tail = new byte[keep + chunk.length()];
    held.getBytes(held.length() - keep, held.length(), tail, 0);
    chunk.getBytes(0, chunk.length(), tail, keep);
    return lastEventEnd(tail) >= 0;
  }

  /** The data of the events the bytes completed, events without data left out. */
  public List<String> pushData(Buffer bytes) {
    List<SseEvent> events = push(bytes);
    List<String> data = new ArrayList<>(events.size());
    for (SseEvent e : events) {
      if (!e.data().isEmpty()) {
        data.add(e.data());
      }
    }
    return data;
  }

  /** At the stream's end, the last event if it came without its blank line. */
  @Override
  public List<SseEvent> end() {
    if (partial.length() == 0) {
      return List.of();
    }
    SseEvent last = parse(partial.toString("UTF-8"));
    partial = Buffer.buffer();
    return last == null ? List.of() : List.of(last);
  }

  /*
   * The scans work on the bytes copied out of the buffer once: a Buffer's getByte goes through the
   * Netty buffer behind it, a call per byte that profiles showed as the relay's largest own cost.
   */

  /** End (exclusive) of the last complete event in data (a blank line, LF or CRLF), or -1. */
  public static int lastEventEnd(byte[] data) {
    for (int i = data.length - 1; i > 0; i--) {
      if (data[i] == '\n' && (data[i - 1] == '\n' || (i > 2 && data[i - 1] == '\r' && data[i - 2] == '\n'))) {
        return i + 1;
      }
    }
    return -1;
  }

  /** End (exclusive) of the event starting at {@code from}, at most {@code end}. */
  public static int nextEventEnd(byte[] data, int from, int end) {
    for (int i = from + 1; i < end; i++) {
      if (data[i] == '\n' && (data[i - 1] == '\n' || (i > from + 2 && data[i - 1] == '\r' && data[i - 2] == '\n'))) {
        return i + 1;
      }
    }
    return end;
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
