package dev.poolgate.api;

import dev.poolgate.provider.SseRelay;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an SSE byte stream into the {@code data:} payloads of its events, keeping at most one
 * partial event between calls.
 */
public final class SseSplitter {
  private final StringBuilder partial = new StringBuilder();

  /** Feeds bytes; returns the data payloads of the events they completed. */
  public List<String> feed(Buffer bytes) {
    partial.append(bytes.toString(StandardCharsets.UTF_8));
    if (partial.length() > SseRelay.MAX_EVENT_BYTES) {
      throw new IllegalStateException("an SSE event exceeded " + SseRelay.MAX_EVENT_BYTES + " bytes");
    }
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int end = partial.indexOf("\n\n"); end >= 0; end = partial.indexOf("\n\n", start)) {
      String data = data(partial.substring(start, end));
      if (data != null) {
        out.add(data);
      }
      start = end + 2;
    }
    partial.delete(0, start);
    return out;
  }

  private static String data(String event) {
    StringBuilder data = null;
    for (String line : event.split("\r?\n")) {
      if (line.startsWith("data:")) {
        String value = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5);
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return data == null ? null : data.toString();
  }
}
