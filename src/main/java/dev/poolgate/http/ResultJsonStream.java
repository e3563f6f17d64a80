package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.provider.OpenAiAdapter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;

/**
 * Turns a whole OpenAI JSON answer into {@code {"result": text}}. The answer is read whole (as the
 * adapter already did, so the bound is the same), and nothing is written before it is complete:
 * a bad answer is still retryable.
 */
final class ResultJsonStream implements WriteStream<Buffer> {
  private final WriteStream<Buffer> out;
  private final Buffer body = Buffer.buffer();

  ResultJsonStream(WriteStream<Buffer> out) {
    this.out = out;
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
    return out.end(new JsonObject().put("result", AnswerText.ofAnswer(answer)).toBuffer());
  }

  @Override
  public ResultJsonStream setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public ResultJsonStream drainHandler(Handler<Void> handler) {
    return this;
  }

  @Override
  public ResultJsonStream exceptionHandler(Handler<Throwable> handler) {
    out.exceptionHandler(handler);
    return this;
  }
}
