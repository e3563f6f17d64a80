package dev.poolgate.api;

import dev.poolgate.GatewayException;
import dev.poolgate.ErrorKind;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.dispatch.Served;
import dev.poolgate.http.ApiErrors;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;

import java.util.ArrayDeque;

/**
 * A streamed answer going to an event-bus consumer, one message per chunk, never more than the
 * consumer's credit: when credit runs out the write queue is full, the pipe pauses the upstream,
 * and nothing piles up here beyond the events of the last upstream buffer.
 *
 * <p>Writes come from the pipe's event loop, credit from the control consumer's: the state is
 * guarded by this object's lock, and the pipe's drain handler is called outside it, also when
 * the credit that frees the queue arrived while the pipe was registering it.
 */
final class BusStreamSink implements ReplySink, WriteStream<Buffer> {
  /** Chunks held back for credit before the write queue reports full. */
  static final int MAX_PENDING = 64;

  private final Vertx vertx;
  private final EventBus bus;
  private final String to;
  private final long stallTimeoutMs;
  private final SseEvents splitter = new SseEvents();
  private final ArrayDeque<String> pending = new ArrayDeque<>();
  private MessageConsumer<JsonObject> control;
  private long credit;
  private volatile boolean committed;
  private boolean finished;
  private volatile boolean closed;
  private Runnable onClose;
  private Handler<Void> drainHandler;
  private Promise<Void> endPromise;
  private Served served;
  private long stallTimer = -1;

  BusStreamSink(Vertx vertx, String to, long initialCredit, long stallTimeoutMs) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.to = to;
    this.credit = initialCredit;
    this.stallTimeoutMs = stallTimeoutMs;
  }

  /** Listens for credit and cancel on {@code <to>.control}; completes once registered. */
  Future<Void> listen() {
    control = bus.consumer(to + ".control", msg -> {
      JsonObject body = msg.body() == null ? new JsonObject() : msg.body();
      if (Boolean.TRUE.equals(body.getBoolean("cancel"))) {
        gone();
      } else {
        long more = Math.max(0, body.getLong("credit", 0L));
        synchronized (this) {
          credit += more;
        }
        flush();
      }
    });
    return control.completion();
  }

  // ------------------------------------------------------------------ ReplySink

  @Override
  public boolean closed() {
    return closed;
  }

  @Override
  public synchronized void onClose(Runnable action) {
    this.onClose = action;
  }

  @Override
  public WriteStream<Buffer> open(Served served, UpstreamReply reply) {
    this.served = served;
    return this;
  }

  @Override
  public boolean committed() {
    return committed;
  }

  @Override
  public synchronized void fail(GatewayException error) {
    if (finished || closed) {
      return;
    }
    send(BusProtocol.ERROR, ApiErrors.body(error.kind(), error.getMessage()), error.kind().status());
    finish();
  }

  @Override
  public synchronized void upstreamError(Served served, int status, Buffer body) {
    if (finished || closed) {
      return;
    }
    JsonObject error;
    try {
      error = new JsonObject(body);
    } catch (DecodeException e) {
      error = ApiErrors.body(ErrorKind.BAD_REQUEST, body.toString());
    }
    send(BusProtocol.ERROR, error, status);
    finish();
  }

  // ------------------------------------------------------------------ WriteStream

  @Override
  public Future<Void> write(Buffer data) {
    if (closed) {
      return Future.failedFuture(ErrorKind.CANCELLED.exception("the stream consumer went away"));
    }
    synchronized (this) {
      for (String event : splitter.feed(data)) {
        if (!event.equals("[DONE]")) {
          pending.add(event);
        }
      }
    }
    flush();
    return Future.succeededFuture();
  }


  @Override
  public Future<Void> end() {
    Promise<Void> ended = Promise.promise();
    synchronized (this) {
      endPromise = ended;
    }
    flush();
    return ended.future();
  }


  @Override
  public synchronized boolean writeQueueFull() {
    return credit <= 0 || pending.size() >= MAX_PENDING;
  }

  @Override
  public BusStreamSink drainHandler(Handler<Void> handler) {
    synchronized (this) {
      this.drainHandler = handler;
    }
    // credit may have come in on the control consumer's thread since the pipe saw a full queue
    flush();
    return this;
  }

  @Override
  public BusStreamSink exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public BusStreamSink setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  // ------------------------------------------------------------------ internals

  private void flush() {
    Handler<Void> drained = flushLocked();
    if (drained != null) {
      drained.handle(null);
    }
  }

  /** Sends what the credit allows; answers the drain handler to call once the lock is released. */
  private synchronized Handler<Void> flushLocked() {
    while (credit > 0 && !pending.isEmpty() && !closed) {
      String event = pending.poll();
      JsonObject chunk;
      try {
        chunk = new JsonObject(event);
      } catch (DecodeException e) {
        chunk = new JsonObject().put("raw", event);
      }
      send(BusProtocol.CHUNK, chunk, 0);
      committed = true;
      credit--;
    }
    armStallTimer();
    if (pending.isEmpty() && endPromise != null && !finished) {
      send(BusProtocol.END, new JsonObject(), 0);
      finish();
      endPromise.tryComplete();
    } else if (!writeQueueFull() && drainHandler != null) {
      Handler<Void> h = drainHandler;
      drainHandler = null;
      return h;
    }
    return null;
  }

  /** A consumer that stops granting credit for too long is treated as gone. */
  private void armStallTimer() {
    boolean stalled = credit <= 0 && (!pending.isEmpty() || endPromise != null) && !finished;
    if (stalled && stallTimer < 0) {
      stallTimer = vertx.setTimer(stallTimeoutMs, id -> {
        synchronized (this) {
          stallTimer = -1;
        }
        gone();
      });
    } else if (!stalled && stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
  }

  private void send(String kind, JsonObject body, int status) {
    DeliveryOptions opts = new DeliveryOptions().addHeader(BusProtocol.KIND, kind);
    if (served != null) {
      opts.addHeader("x-poolgate-instance", served.instanceId()).addHeader("x-poolgate-pool", served.pool())
          .addHeader("x-request-id", served.requestId());
      if (served.borrowed()) {
        opts.addHeader("x-poolgate-borrowed", served.lender());
      }
    }
    if (status > 0) {
      opts.addHeader("x-poolgate-status", Integer.toString(status));
    }
    bus.send(to, body, opts);
  }

  private void gone() {
    Runnable then;
    synchronized (this) {
      if (closed || finished) {
        return;
      }
      closed = true;
      pending.clear();
      then = onClose;
    }
    if (then != null) {
      then.run();
    }
    synchronized (this) {
      finish();
    }
  }

  private void finish() {
    finished = true;
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
    }
    if (control != null) {
      control.unregister();
    }
    if (endPromise != null) {
      endPromise.tryComplete();
    }
  }
}
