package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * Turns the frames of one upstream stream into the client's bytes, one frame at a time, keeping
 * only the little state the protocols need (open block, tool indexes, usage, stop reason).
 */
public interface StreamTranslation<F> {

  /** The client's bytes for one frame (empty if none). Throws {@link ProtocolException} on an error event. */
  Buffer translate(F frame);

  /** Whether the stream's proper end was seen (frames after it are ignored). */
  boolean done();

  /** At the source's end: the last bytes, or a {@link ProtocolException} if the stream was cut short. */
  Buffer finish();
}
