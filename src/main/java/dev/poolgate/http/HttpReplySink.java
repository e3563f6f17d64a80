package dev.poolgate.http;

import dev.poolgate.GatewayException;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.dispatch.Served;
import dev.poolgate.dispatch.TappedWriteStream;
import dev.poolgate.provider.Protocol;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.WriteStream;

/**
 * An answer going to an HTTP client. Headers are set when a reply is opened but only leave with
 * the first body byte, so a failed attempt can still be replaced by a retry or a clean error.
 */
final class HttpReplySink implements ReplySink {
  static final CharSequence X_POOLGATE_INSTANCE = HttpHeaders.createOptimized("x-poolgate-instance");
  static final CharSequence X_POOLGATE_POOL = HttpHeaders.createOptimized("x-poolgate-pool");
  static final CharSequence X_POOLGATE_ATTEMPTS = HttpHeaders.createOptimized("x-poolgate-attempts");
  /** The pool that lent the instance, on answers served by a borrowed slot. */
  static final CharSequence X_POOLGATE_BORROWED = HttpHeaders.createOptimized("x-poolgate-borrowed");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");

  private final HttpServerResponse resp;
  /** The client's protocol: the shape of the errors it gets. */
  private final Protocol protocol;
  private volatile boolean closed;
  /** SSE events sent so far: a Responses API error event carries the next sequence number. */
  private volatile int eventsSent;

  HttpReplySink(HttpServerResponse resp) {
    this(resp, Protocol.OPENAI);
  }

  HttpReplySink(HttpServerResponse resp, Protocol protocol) {
    this.resp = resp;
    this.protocol = protocol;
  }

  @Override
  public boolean closed() {
    return closed || resp.closed();
  }

  @Override
  public void onClose(Runnable action) {
    resp.closeHandler(v -> {
      if (!resp.ended()) {
        closed = true;
        action.run();
      }
    });
  }

  @Override
  public WriteStream<Buffer> open(Served served, UpstreamReply reply) {
    resp.setStatusCode(200);
    // a whole answer goes in one write with its length; a stream in chunked framing
    resp.setChunked(reply.whole() == null);
    resp.putHeader(HttpHeaders.CONTENT_TYPE, reply.contentType());
    if (reply.contentType().startsWith("text/event-stream")) {
      resp.putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    }
    reply.headers().forEach(resp::putHeader);
    tag(served);
    return protocol == Protocol.RESPONSES ? new TappedWriteStream(resp, this::countEvents) : resp;
  }

  @Override
  public boolean committed() {
    return resp.headWritten();
  }

  @Override
  public void fail(GatewayException error) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    if (!resp.headWritten()) {
      ApiErrors.send(resp, error, protocol);
    } else if (String.valueOf(resp.headers().get(HttpHeaders.CONTENT_TYPE)).startsWith("text/event-stream")) {
      resp.end(ApiErrors.sseEvent(error, protocol, eventsSent));
    } else {
      // a JSON answer cut in the middle cannot carry an error: break the connection
      resp.reset();
    }
  }

  /** Counts the events in bytes written: each ends with a blank line, and JSON data holds no raw newline. */
  private void countEvents(Buffer bytes) {
    for (int i = 1; i < bytes.length(); i++) {
      if (bytes.getByte(i) == '\n' && bytes.getByte(i - 1) == '\n') {
        eventsSent++;
      }
    }
  }

  @Override
  public void upstreamError(Served served, int status, Buffer body) {
    if (resp.headWritten() || resp.closed()) {
      return;
    }
    tag(served);
    resp.setChunked(false);
    resp.headers().remove(HttpHeaders.TRANSFER_ENCODING);
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }

  @Override
  public void tag(String name, String value) {
    if (!resp.headWritten()) {
      resp.putHeader(name, value);
    }
  }

  private void tag(Served served) {
    resp.putHeader(X_POOLGATE_INSTANCE, served.instanceId());
    resp.putHeader(X_POOLGATE_POOL, served.pool());
    resp.putHeader(X_POOLGATE_ATTEMPTS, Integer.toString(served.attempts()));
    if (served.borrowed()) {
      resp.putHeader(X_POOLGATE_BORROWED, served.lender());
    } else {
      // an earlier attempt may have been borrowed
      resp.headers().remove(X_POOLGATE_BORROWED);
    }
  }
}
