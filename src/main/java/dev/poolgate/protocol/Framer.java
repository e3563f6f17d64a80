package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/** Cuts a byte stream into frames (SSE events, event-stream messages), holding at most one partial frame. */
public interface Framer<F> {

  /** Feeds bytes; returns the frames they completed. Throws {@link ProtocolException} on bytes that cannot be framed. */
  List<F> push(Buffer bytes);

  /** Whether bytes of an unfinished frame are held. */
  boolean hasPartial();

  /** At the stream's end: a last frame its bytes completed without a terminator (none by default). */
  default List<F> end() {
    return List.of();
  }
}
