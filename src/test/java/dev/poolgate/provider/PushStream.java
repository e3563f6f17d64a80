package dev.poolgate.provider;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** A source the test pushes into. */
final class PushStream implements ReadStream<Buffer> {
  Handler<Buffer> handler;
  Handler<Void> endHandler;
  Handler<Throwable> exceptionHandler;
  boolean paused;
  long fetched;

  void push(String s) {
    if (handler != null) {
      handler.handle(Buffer.buffer(s));
    }
  }

  void end() {
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  void fail(Throwable t) {
    exceptionHandler.handle(t);
  }

  @Override public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) { exceptionHandler = h; return this; }
  @Override public ReadStream<Buffer> handler(Handler<Buffer> h) { handler = h; return this; }
  @Override public ReadStream<Buffer> pause() { paused = true; return this; }
  @Override public ReadStream<Buffer> resume() { paused = false; return this; }
  @Override public ReadStream<Buffer> fetch(long amount) { fetched += amount; return this; }
  @Override public ReadStream<Buffer> endHandler(Handler<Void> h) { endHandler = h; return this; }
}
