package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.protocol.ProtocolException;
import dev.poolgate.protocol.SseFramer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;

import java.util.List;

/**
 * Turns an OpenAI SSE stream into the plain text it carries, written on as it arrives. Holds at
 * most one partial event; backpressure is the output's (write queue and drain pass through).
 */
final class SseTextStream implements WriteStream<Buffer> {
  private static final String DONE = "[DONE]";

  private final WriteStream<Buffer> out;
  private final SseFramer framer = new SseFramer();

  SseTextStream(WriteStream<Buffer> out) {
    this.out = out;
  }

  @Override
  public Future<Void> write(Buffer data) {
    List<String> events;
    try {
      events = framer.pushData(data);
    } catch (ProtocolException e) {
      return Future.failedFuture(ErrorKind.UPSTREAM_ERROR.exception(e.getMessage()));
    }
    StringBuilder text = new StringBuilder();
    for (String event : events) {
      if (DONE.equals(event)) {
        continue;
      }
      JsonObject chunk;
      try {
        chunk = new JsonObject(event);
      } catch (DecodeException e) {
        return Future.failedFuture(ErrorKind.UPSTREAM_ERROR.exception("a stream event is not JSON"));
      }
      if (chunk.getValue("error") instanceof JsonObject error) {
        return Future.failedFuture(ErrorKind.UPSTREAM_ERROR.exception("the stream failed: "
            + error.getString("message", "upstream error")));
      }
      text.append(AnswerText.ofChunk(chunk));
    }
    // events without text (role, finish, usage) write nothing, so they commit nothing either
    return text.isEmpty() ? Future.succeededFuture() : out.write(Buffer.buffer(text.toString()));
  }

  @Override
  public Future<Void> end() {
    return out.end();
  }

  @Override
  public SseTextStream setWriteQueueMaxSize(int maxSize) {
    out.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return out.writeQueueFull();
  }

  @Override
  public SseTextStream drainHandler(Handler<Void> handler) {
    out.drainHandler(handler);
    return this;
  }

  @Override
  public SseTextStream exceptionHandler(Handler<Throwable> handler) {
    out.exceptionHandler(handler);
    return this;
  }
}
