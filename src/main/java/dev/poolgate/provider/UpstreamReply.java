package dev.poolgate.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A successful upstream answer whose body has not been read yet: OpenAI-shaped bytes (SSE for
 * streams, JSON otherwise), paused until the caller pipes it. The body ends with an exception
 * (never a clean end) if the upstream answer is truncated or malformed.
 */
public interface UpstreamReply {

  /** Content type of the body as the client gets it. */
  String contentType();

  /** Headers worth passing to the client (rate-limit hints, upstream request id). */
  MultiMap headers();

  /** The body, paused. */
  ReadStream<Buffer> body();

  /**
   * The whole body, when it is already in memory (a non-streamed answer read in full); null for a
   * stream. Such an answer goes to the client in one write with its length instead of being piped
   * in chunked framing: {@link #body()} then stays unread.
   */
  default Buffer whole() {
    return null;
  }

  /** Tokens used, complete once the body has ended. */
  Usage usage();

  /** Abandons the answer: resets the upstream request so the upstream stops generating. */
  void cancel();
}
