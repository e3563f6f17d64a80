package dev.poolgate.dispatch;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

import java.util.function.Consumer;

/**
 * Writes through, showing each buffer to a tap first (time to first byte, the cache's copy);
 * backpressure and errors are the target's own. It remembers whether a write to the target
 * failed (or threw), so a pipe failure can be told apart: the client went away, or the upstream broke.
 */
public final class TappedWriteStream implements WriteStream<Buffer> {
  private final WriteStream<Buffer> out;
  private final Consumer<Buffer> tap;
  private volatile boolean targetFailed;

  public TappedWriteStream(WriteStream<Buffer> out, Consumer<Buffer> tap) {
    this.out = out;
    this.tap = tap;
  }

  /**
   * A write that throws (a broken sink or tap) fails like a write to a client that went away: the
   * pipe then fails, and the request reaches its end instead of hanging with its slot.
   */
  @Override
  public Future<Void> write(Buffer data) {
    return guarded(() -> {
      tap.accept(data);
      return out.write(data);
    });
  }

  /** The whole answer in one write: the target sends it with its length, not in chunked framing. */
  @Override
  public Future<Void> end(Buffer data) {
    return guarded(() -> {
      tap.accept(data);
      return out.end(data);
    });
  }

  @Override
  public Future<Void> end() {
    return guarded(out::end);
  }

  /** Runs a write to the target; a failure of it, or a throw, marks the target failed. */
  private Future<Void> guarded(java.util.function.Supplier<Future<Void>> write) {
    try {
      return write.get().onFailure(e -> targetFailed = true);
    } catch (RuntimeException e) {
      targetFailed = true;
      return Future.failedFuture(e);
    }
  }

  /** Whether writing to the target (the client) failed. */
  public boolean targetFailed() {
    return targetFailed;
  }

  @Override
  public TappedWriteStream exceptionHandler(Handler<Throwable> handler) {
    out.exceptionHandler(handler);
    return this;
  }

  @Override
  public TappedWriteStream setWriteQueueMaxSize(int maxSize) {
    out.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return out.writeQueueFull();
  }

  /**
   * Registers the drain handler, then looks again: the answer's source often runs on another event
   * loop than the client's connection, and a connection that drained between the pipe's
   * "queue full?" check and this registration would never call the handler — the stream would stay
   * paused for good. Calling it once too often only resumes a source that is already flowing.
   */
  @Override
  public TappedWriteStream drainHandler(Handler<Void> handler) {
    out.drainHandler(handler);
    if (handler != null && !out.writeQueueFull()) {
      handler.handle(null);
    }
    return this;
  }
}
