package dev.poolgate.provider;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.util.List;

/**
 * Emits prepared chunks on a timer (the mock's stream, and a buffered answer replayed) — the first after the time to first token, then one per
 * interval — honouring pause / fetch like a network stream would. Starts paused.
 */
public final class ChunkStream implements ReadStream<Buffer> {
  private final Context context;
  private final List<Buffer> chunks;
  private final long firstDelayMs;
  private final long intervalMs;
  private int next;
  private long demand;
  private boolean scheduled;
  private boolean cancelled;
  private long timerId = -1;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  /** Fails the stream with this once {@link #failAfter} chunks went out; null: never. */
  private RuntimeException failure;
  private int failAfter = -1;

  /** The buffers, one after the other, as fast as they are read (a stored answer replayed). */
  public static ChunkStream replay(Context context, List<Buffer> chunks) {
    return new ChunkStream(context, chunks, 0, 0);
  }

  ChunkStream(Context context, List<Buffer> chunks, long firstDelayMs, long intervalMs) {
    this.context = context;
    this.chunks = chunks;
    this.firstDelayMs = firstDelayMs;
    this.intervalMs = intervalMs;
  }

  @Override
  public synchronized ChunkStream handler(Handler<Buffer> h) {
    this.handler = h;
    return this;
  }

  @Override
  public synchronized ChunkStream endHandler(Handler<Void> h) {
    this.endHandler = h;
    return this;
  }

  @Override
  public synchronized ChunkStream exceptionHandler(Handler<Throwable> h) {
    this.exceptionHandler = h;
    return this;
  }

  @Override
  public synchronized ChunkStream pause() {
    demand = 0;
    return this;
  }

  @Override
  public ChunkStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public synchronized ChunkStream fetch(long amount) {
    demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    schedule();
    return this;
  }

  /** Fails the stream with the cause after this many chunks, as an upstream breaking off mid-answer would. */
  synchronized ChunkStream failAfter(int chunksSent, RuntimeException cause) {
    this.failAfter = chunksSent;
    this.failure = cause;
    return this;
  }

  /** Stops emitting and fails the stream, as a reset upstream request would. */
  void cancel() {
    Handler<Throwable> h;
    synchronized (this) {
      if (cancelled || next > chunks.size()) {
        return;
      }
      cancelled = true;
      if (timerId >= 0) {
        context.owner().cancelTimer(timerId);
      }
      h = exceptionHandler;
    }
    if (h != null) {
      context.runOnContext(v -> h.handle(new io.vertx.core.VertxException("stream cancelled", true)));
    }
  }

  private void schedule() {
    if (scheduled || cancelled || demand == 0 || next > chunks.size()) {
      return;
    }
    scheduled = true;
    long delay = next == 0 ? firstDelayMs : intervalMs;
    if (delay <= 0 || next == chunks.size()) {
      context.runOnContext(v -> emit());
    } else {
      timerId = context.owner().setTimer(delay, id -> emit());
    }
  }

  private void emit() {
    Handler<Buffer> h;
    Handler<Void> end;
    Handler<Throwable> failed = null;
    Buffer chunk = null;
    synchronized (this) {
      scheduled = false;
      timerId = -1;
      if (cancelled) {
        return;
      }
      if (next == failAfter) {
        cancelled = true;
        failed = exceptionHandler;
      }
      h = handler;
      end = endHandler;
      if (next < chunks.size()) {
        chunk = chunks.get(next);
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
      }
      if (failed == null) {
        next++;
      }
    }
    if (failed != null) {
      failed.handle(failure);
      return;
    }
    if (chunk != null) {
      if (h != null) {
        h.handle(chunk);
      }
    } else if (end != null) {
      end.handle(null);
      return;
    }
    synchronized (this) {
      schedule();
    }
  }
}
