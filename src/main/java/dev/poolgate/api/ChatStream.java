package dev.poolgate.api;

import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

import java.util.ArrayDeque;

/**
 * The consumer side of a credited event-bus stream. Credit is granted only for chunks handed to
 * the handler, so at most one window of chunks is ever buffered here, and a paused stream makes
 * the gateway pause its upstream.
 */
public final class ChatStream implements ReadStream<JsonObject> {
  private final EventBus bus;
  private final String to;
  private final int window;
  private final ArrayDeque<JsonObject> buffered = new ArrayDeque<>();
  private MessageConsumer<JsonObject> consumer;
  private Handler<JsonObject> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private long demand = Long.MAX_VALUE;
  private int delivered;
  private boolean ended;
  private Throwable failure;
  private boolean done;

  ChatStream(EventBus bus, String to, int window) {
    this.bus = bus;
    this.to = to;
    this.window = Math.max(2, window);
  }

  void start(JsonObject request, long timeoutMs) {
    consumer = bus.consumer(to, this::onMessage);
    consumer.completion()
        .compose(v -> bus.request(BusProtocol.ADDRESS, request, new DeliveryOptions().setSendTimeout(timeoutMs)
            .addHeader(BusProtocol.STREAM_TO, to).addHeader(BusProtocol.CREDIT, Integer.toString(window))))
        .onFailure(e -> {
          failure = PoolgateBusClient.PoolgateError.from(e);
          drain();
        });
  }

  /** Stops the stream: the gateway resets the upstream call and releases its slot. */
  public void cancel() {
    bus.send(to + ".control", new JsonObject().put("cancel", true));
    finish();
  }

  @Override
  public synchronized ChatStream handler(Handler<JsonObject> h) {
    this.handler = h;
    drain();
    return this;
  }

  @Override
  public synchronized ChatStream endHandler(Handler<Void> h) {
    this.endHandler = h;
    drain();
    return this;
  }

  @Override
  public synchronized ChatStream exceptionHandler(Handler<Throwable> h) {
    this.exceptionHandler = h;
    drain();
    return this;
  }

  @Override
  public synchronized ChatStream pause() {
    demand = 0;
    return this;
  }

  @Override
  public synchronized ChatStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public synchronized ChatStream fetch(long amount) {
    demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    drain();
    return this;
  }

  private synchronized void onMessage(Message<JsonObject> msg) {
    String kind = msg.headers().get(BusProtocol.KIND);
    if (BusProtocol.CHUNK.equals(kind)) {
      buffered.add(msg.body());
    } else if (BusProtocol.END.equals(kind)) {
      ended = true;
    } else if (BusProtocol.ERROR.equals(kind)) {
      String status = msg.headers().get("x-poolgate-status");
      failure = new PoolgateBusClient.PoolgateError(status == null ? 500 : Integer.parseInt(status),
          msg.body() == null ? new JsonObject() : msg.body());
    }
    drain();
  }

  private void drain() {
    while (!done && handler != null && demand > 0 && !buffered.isEmpty()) {
      JsonObject chunk = buffered.poll();
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(chunk);
      if (++delivered >= window / 2) {
        bus.send(to + ".control", new JsonObject().put("credit", delivered));
        delivered = 0;
      }
    }
    if (done || !buffered.isEmpty()) {
      return;
    }
    if (failure != null && exceptionHandler != null) {
      Throwable f = failure;
      finish();
      exceptionHandler.handle(f);
    } else if (ended && endHandler != null) {
      finish();
      endHandler.handle(null);
    }
  }

  private void finish() {
    done = true;
    if (consumer != null) {
      consumer.unregister();
    }
  }
}
