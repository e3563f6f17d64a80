package dev.poolgate.api;

import dev.poolgate.GatewayException;
import dev.poolgate.ErrorKind;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.dispatch.Served;
import dev.poolgate.http.ApiErrors;
import dev.poolgate.protocol.SseFramer;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.Context;
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
import java.util.ArrayList;
import java.util.List;

/**
 * A streamed answer going to an event-bus consumer, one message per chunk, never more than the
 * consumer's credit: when credit runs out the write queue is full, the pipe pauses the upstream,
 * and nothing piles up here beyond the events of the last upstream buffer.
 *
 * <p>The sink has one owner context, the one it was made on (the request's): credit and cancel
 * arrive there, the stall timer fires there, and every send, JSON parse and call back into the
 * request ({@link #onClose}, the drain handler) happens there. Writes may come from the pipe on
 * another event loop: they only queue their events under the lock and ask the owner to flush, so
 * the lock is never held across a send, a parse or a callback, and chunks leave in order.
 */
final class BusStreamSink implements ReplySink, WriteStream<Buffer> {
  /** Chunks held back for credit before the write queue reports full. */
  static final int MAX_PENDING = 64;

  private final Vertx vertx;
  private final Context owner;
  private final EventBus bus;
  private final String to;
  private final long stallTimeoutMs;
  private final SseFramer framer = new SseFramer();
  // guarded by this
  private final ArrayDeque<String> pending = new ArrayDeque<>();
  private long credit;
  private Handler<Void> drainHandler;
  private Promise<Void> endPromise;
  private boolean flushScheduled;
  private volatile boolean committed;
  private volatile boolean closed;
  // owner context only
  private MessageConsumer<JsonObject> control;
  private boolean finished;
  private Runnable onClose;
  private Served served;
  private long stallTimer = -1;

  BusStreamSink(Vertx vertx, String to, long initialCredit, long stallTimeoutMs) {
    this.vertx = vertx;
    this.owner = vertx.getOrCreateContext();
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

  // ------------------------------------------------------------------ ReplySink (the owner's)

  @Override
  public boolean closed() {
    return closed;
  }

  @Override
  public void onClose(Runnable action) {
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
  public void fail(GatewayException error) {
    if (finished || closed) {
      return;
    }
    finish();
    send(BusProtocol.ERROR, ApiErrors.body(error.kind(), error.getMessage()), error.kind().status());
  }

  @Override
  public void upstreamError(Served served, int status, Buffer body) {
    if (finished || closed) {
      return;
    }
    finish();
    JsonObject error;
    try {
      error = new JsonObject(body);
    } catch (DecodeException e) {
      error = ApiErrors.body(ErrorKind.BAD_REQUEST, body.toString());
    }
    send(BusProtocol.ERROR, error, status);
  }

  // ------------------------------------------------------------------ WriteStream (any thread)

  @Override
  public Future<Void> write(Buffer data) {
    if (closed) {
      return Future.failedFuture(ErrorKind.CANCELLED.exception("the stream consumer went away"));
    }
    synchronized (this) {
      for (String event : framer.pushData(data)) {
        if (!event.equals("[DONE]")) {
          pending.add(event);
        }
      }
    }
    flushOnOwner();
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    Promise<Void> ended = Promise.promise();
    synchronized (this) {
      endPromise = ended;
    }
    flushOnOwner();
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
    // credit may have come in since the pipe saw a full queue
    flushOnOwner();
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

  /** Flushes on the owner context: now if already there, else once, soon, there. */
  private void flushOnOwner() {
    if (Vertx.currentContext() == owner) {
      flush();
      return;
    }
    synchronized (this) {
      if (flushScheduled) {
        return;
      }
      flushScheduled = true;
    }
    owner.runOnContext(v -> {
      synchronized (this) {
        flushScheduled = false;
      }
      flush();
    });
  }

  /**
   * Sends what the credit allows, then the end once everything is out (owner context). The lock
   * only hands over the events; parsing, sending and the drain handler run outside it.
   */
  private void flush() {
    if (finished) {
      return;
    }
    List<String> batch = new ArrayList<>();
    boolean end = false;
    Handler<Void> drained = null;
    Promise<Void> ended;
    boolean stalled;
    synchronized (this) {
      while (credit > 0 && !pending.isEmpty() && !closed) {
        batch.add(pending.poll());
        credit--;
      }
      if (!batch.isEmpty()) {
        committed = true;
      }
      ended = endPromise;
      if (pending.isEmpty() && ended != null) {
        end = true;
      } else if (!writeQueueFull() && drainHandler != null) {
        drained = drainHandler;
        drainHandler = null;
      }
      stalled = credit <= 0 && (!pending.isEmpty() || ended != null) && !end;
    }
    for (String event : batch) {
      send(BusProtocol.CHUNK, chunk(event), 0);
    }
    if (end) {
      finish();
      send(BusProtocol.END, new JsonObject(), 0);
      ended.tryComplete();
      return;
    }
    stallTimer(stalled);
    if (drained != null) {
      drained.handle(null);
    }
  }

  private static JsonObject chunk(String event) {
    try {
      return new JsonObject(event);
    } catch (DecodeException e) {
      return new JsonObject().put("raw", event);
    }
  }

  /** A consumer that stops granting credit for too long is treated as gone (owner context). */
  private void stallTimer(boolean stalled) {
    if (stalled && stallTimer < 0) {
      stallTimer = vertx.setTimer(stallTimeoutMs, id -> {
        stallTimer = -1;
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

  /** The consumer cancelled or stalled (owner context): the request learns it on its own context. */
  private void gone() {
    if (closed || finished) {
      return;
    }
    synchronized (this) {
      closed = true;
      pending.clear();
    }
    // the request learns first that its consumer is gone, before a pending end completes the pipe
    if (onClose != null) {
      onClose.run();
    }
    finish();
  }

  /** Stops listening and timing (owner context); a pending end completes. */
  private void finish() {
    finished = true;
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (control != null) {
      control.unregister();
    }
    Promise<Void> ended;
    synchronized (this) {
      ended = endPromise;
    }
    if (ended != null) {
      ended.tryComplete();
    }
  }
}
