package dev.poolgate.provider;

import dev.poolgate.protocol.SseFramer;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.nio.charset.StandardCharsets;

/**
 * Passes an upstream SSE stream through event by event, with the source's backpressure: counts
 * usage from the usage chunk, drops that chunk if the client did not ask for it, and turns an end
 * without {@code data: [DONE]} (a truncated stream) or an oversized event into an exception
 * instead of a clean end. Holds at most one partial event. Events are found with the one SSE
 * parser's boundary scan ({@link SseFramer}) and passed on as bytes, never decoded unless they
 * carry usage.
 */
public final class SseRelay implements ReadStream<Buffer> {
  public static final int MAX_EVENT_BYTES = SseFramer.MAX_EVENT_BYTES;
  private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE_NO_SPACE = "data:[DONE]".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NEWLINE = {'\n'};

  private final ReadStream<Buffer> source;
  private final Usage usage;
  private final boolean keepUsageChunk;
  private final String instance;
  private Buffer partial = Buffer.buffer();
  private boolean sawDone;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  private final HeldFailure failure = new HeldFailure();

  public SseRelay(ReadStream<Buffer> source, Usage usage, boolean keepUsageChunk, String instance) {
    this.source = source;
    this.usage = usage;
    this.keepUsageChunk = keepUsageChunk;
    this.instance = instance;
    // listen from the start: a paused HTTP response does not queue its exception, it drops it
    source.exceptionHandler(failure::fail);
  }

  @Override
  public SseRelay handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
    source.handler(handler == null ? null : this::onData);
    return this;
  }

  @Override
  public SseRelay endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    source.endHandler(handler == null ? null : v -> onEnd());
    return this;
  }

  @Override
  public SseRelay exceptionHandler(Handler<Throwable> handler) {
    failure.handler(handler);
    return this;
  }

  @Override
  public SseRelay pause() {
    source.pause();
    return this;
  }

  @Override
  public SseRelay resume() {
    source.resume();
    return this;
  }

  @Override
  public SseRelay fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  private void onData(Buffer chunk) {
    if (partial.length() > 0 && !SseFramer.completesEvent(partial, chunk)) {
      hold(partial.appendBuffer(chunk));
      return;
    }
    Buffer data = partial.length() == 0 ? chunk : partial.appendBuffer(chunk);
    // scanned as a byte array copied out once (SseFramer says why), passed on as slices of data
    byte[] bytes = data.getBytes();
    int end = SseFramer.lastEventEnd(bytes);
    if (end < 0) {
      // nothing was held (a chunk completing a held event has a boundary): hold the chunk's own copy
      hold(chunk.copy());
      return;
    }
    partial = end == data.length() ? Buffer.buffer() : data.getBuffer(end, data.length());
    Buffer out = scan(data, bytes, end);
    if (out.length() > 0 && dataHandler != null) {
      dataHandler.handle(out);
    }
  }

  /** Holds the start of an event until a chunk completes it; an event over the bound fails the stream. */
  private void hold(Buffer incomplete) {
    partial = incomplete;
    if (partial.length() > MAX_EVENT_BYTES) {
      fail("an SSE event exceeded " + MAX_EVENT_BYTES + " bytes");
    }
  }

  /** Scans complete events in data[0, end) ({@code bytes} is data's content); returns what goes to the client. */
  private Buffer scan(Buffer data, byte[] bytes, int end) {
    Buffer out = null;
    int start = 0;
    while (start < end) {
      int stop = SseFramer.nextEventEnd(bytes, start, end);
      if (startsWith(bytes, start, DONE) || startsWith(bytes, start, DONE_NO_SPACE)) {
        sawDone = true;
      }
      boolean drop = false;
      if (hasUsageObject(bytes, start, stop)) {
        drop = readUsage(bytes, start, stop) && !keepUsageChunk;
      }
      if (drop && out == null) {
        out = data.getBuffer(0, start);
      } else if (!drop && out != null) {
        out.appendBuffer(data, start, stop - start);
      }
      start = stop;
    }
    return out == null ? (end == data.length() ? data : data.getBuffer(0, end)) : out;
  }

  /**
   * Reads usage from the event in data[start, stop) (its first {@code data:} line), in one pass of
   * a streaming parser; returns true if it is the usage-only chunk (no choices). An event that is
   * not such a chunk passes on as it came and counts nothing.
   */
  private boolean readUsage(byte[] data, int start, int stop) {
    int line = start;
    while (line < stop) {
      int lineEnd = indexOf(data, line, stop, NEWLINE);
      int end = lineEnd < 0 ? stop : lineEnd;
      if (startsWith(data, line, DATA)) {
        int from = line + DATA.length;
        return AnswerCheck.usageChunk(data, from, end - from, usage::set);
      }
      line = end + 1;
    }
    return false;
  }

  /** Whether data[from, to) holds a member {@code "usage"} whose value is an object. */
  private static boolean hasUsageObject(byte[] data, int from, int to) {
    for (int at = indexOf(data, from, to, USAGE); at >= 0; at = indexOf(data, at + 1, to, USAGE)) {
      int i = skipBlanks(data, at + USAGE.length, to);
      if (i < to && data[i] == ':') {
        i = skipBlanks(data, i + 1, to);
        if (i < to && data[i] == '{') {
          return true;
        }
      }
    }
    return false;
  }

  private static int skipBlanks(byte[] data, int from, int to) {
    int i = from;
    while (i < to && (data[i] == ' ' || data[i] == '\t')) {
      i++;
    }
    return i;
  }

  private void onEnd() {
    if (!sawDone) {
      fail("the stream ended without data: [DONE]");
      return;
    }
    if (partial.length() > 0 && dataHandler != null) {
      dataHandler.handle(partial);
      partial = Buffer.buffer();
    }
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  private void fail(String why) {
    source.handler(null);
    failure.fail(UpstreamException.malformed(instance, why));
  }

  private static boolean startsWith(byte[] data, int from, byte[] prefix) {
    if (data.length - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[from + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] data, int from, int to, byte[] needle) {
    byte first = needle[0];
    outer:
    for (int i = from; i <= to - needle.length; i++) {
      if (data[i] != first) {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
