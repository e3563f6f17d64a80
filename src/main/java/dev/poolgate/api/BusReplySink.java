package dev.poolgate.api;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.dispatch.Served;
import dev.poolgate.http.ApiErrors;
import dev.poolgate.provider.OpenAiAdapter;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;

/** A whole (non-stream) answer going back as the reply to an event-bus request. */
final class BusReplySink implements ReplySink, WriteStream<Buffer> {
  private final Message<JsonObject> request;
  private Buffer body = Buffer.buffer();
  private Served served;
  private boolean answered;

  BusReplySink(Message<JsonObject> request) {
    this.request = request;
  }

  @Override
  public boolean closed() {
    return false; // a bus requester cannot go away mid-answer; its own timeout drops the reply
  }

  @Override
  public void onClose(Runnable action) {
  }

  @Override
  public WriteStream<Buffer> open(Served served, UpstreamReply reply) {
    this.served = served;
    this.body = Buffer.buffer();
    return this;
  }

  @Override
  public boolean committed() {
    return answered;
  }

  @Override
  public void fail(GatewayException error) {
    if (!answered) {
      answered = true;
      request.fail(error.kind().status(), ApiErrors.body(error.kind(), error.getMessage()).encode());
    }
  }

  @Override
  public void upstreamError(Served served, int status, Buffer upstreamBody) {
    if (!answered) {
      answered = true;
      request.fail(status, upstreamBody.toString());
    }
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (body.length() + data.length() > OpenAiAdapter.MAX_ANSWER_BYTES) {
      return Future.failedFuture(ErrorKind.UPSTREAM_ERROR.exception("the answer is too large"));
    }
    body.appendBuffer(data);
    return Future.succeededFuture();
  }


  @Override
  public Future<Void> end() {
    JsonObject answer;
    try {
      answer = new JsonObject(body);
    } catch (DecodeException e) {
      return Future.failedFuture(ErrorKind.UPSTREAM_ERROR.exception("the answer is not valid JSON"));
    }
    answered = true;
    DeliveryOptions opts = new DeliveryOptions();
    if (served != null) {
      opts.addHeader("x-poolgate-instance", served.instanceId()).addHeader("x-poolgate-pool", served.pool())
          .addHeader("x-request-id", served.requestId());
      if (served.borrowed()) {
        opts.addHeader("x-poolgate-borrowed", served.lender());
      }
    }
    request.reply(answer, opts);
    return Future.succeededFuture();
  }


  @Override
  public BusReplySink setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public BusReplySink drainHandler(Handler<Void> handler) {
    return this;
  }

  @Override
  public BusReplySink exceptionHandler(Handler<Throwable> handler) {
    return this;
  }
}
