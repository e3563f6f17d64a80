package dev.poolgate.dispatch;

import dev.poolgate.GatewayException;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * Where an answer goes: an HTTP response, an event-bus stream, a library caller. Nothing reaches
 * the client before the first body byte, so a failure before it can still be retried elsewhere.
 */
public interface ReplySink {

  /** Whether the client has gone away. */
  boolean closed();

  /** Called once if the client goes away before the answer is complete. */
  void onClose(Runnable action);

  /**
   * The stream to pipe the reply's body into. Its first write commits the answer (status,
   * headers); ending it completes the answer.
   */
  WriteStream<Buffer> open(Served served, UpstreamReply reply);

  /** Whether any byte of an answer has reached the client. */
  boolean committed();

  /**
   * Ends the answer with an error: an error response if nothing was committed, else an error
   * event at the end of the stream (never a fake end-of-stream marker).
   */
  void fail(GatewayException error);

  /** Sends an upstream client error (4xx) back as it came. */
  void upstreamError(Served served, int status, Buffer body);

  /** Adds a piece of metadata for the client (an HTTP header; sinks without headers ignore it). */
  default void tag(String name, String value) {
  }
}
