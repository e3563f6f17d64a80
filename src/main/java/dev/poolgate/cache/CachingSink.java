package dev.poolgate.cache;

import dev.poolgate.GatewayException;
import dev.poolgate.api.SseEvents;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.dispatch.Served;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;

/**
 * Passes an answer to the real sink and keeps a copy for the cache — only of a complete, good
 * answer: a failed attempt starts over, an error or an answer over the size bound keeps nothing.
 */
public final class CachingSink implements ReplySink {
  /** Answers larger than this are not cached. */
  public static final int MAX_CACHED_BYTES = 1024 * 1024;

  private final ReplySink sink;
  private Buffer copy;
  private boolean stream;
  private boolean spoiled;

  public CachingSink(ReplySink sink) {
    this.sink = sink;
  }

  /** The completion to cache, or null if the answer must not be cached. */
  public JsonObject completion() {
    if (spoiled || copy == null) {
      return null;
    }
    try {
      if (!stream) {
        return new JsonObject(copy);
      }
      CompletionAssembler assembler = new CompletionAssembler();
      for (String data : new SseEvents().feed(copy)) {
        if (!data.equals("[DONE]")) {
          assembler.add(new JsonObject(data));
        }
      }
      return assembler.completion();
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  @Override
  public boolean closed() {
    return sink.closed();
  }

  @Override
  public void onClose(Runnable action) {
    sink.onClose(action);
  }

  @Override
  public void tag(String name, String value) {
    sink.tag(name, value);
  }

  @Override
  public WriteStream<Buffer> open(Served served, UpstreamReply reply) {
    copy = Buffer.buffer();
    stream = reply.contentType().startsWith("text/event-stream");
    return new Tee(sink.open(served, reply));
  }

  @Override
  public boolean committed() {
    return sink.committed();
  }

  @Override
  public void fail(GatewayException error) {
    spoiled = true;
    sink.fail(error);
  }

  @Override
  public void upstreamError(Served served, int status, Buffer body) {
    spoiled = true;
    sink.upstreamError(served, status, body);
  }

  /** Writes through, copying what passes. */
  private final class Tee implements WriteStream<Buffer> {
    private final WriteStream<Buffer> out;

    Tee(WriteStream<Buffer> out) {
      this.out = out;
    }

    @Override
    public Future<Void> write(Buffer data) {
      if (!spoiled) {
        if (copy.length() + data.length() > MAX_CACHED_BYTES) {
          spoiled = true;
          copy = null;
        } else {
          copy.appendBuffer(data);
        }
      }
      return out.write(data);
    }

    @Override
    public Future<Void> end() {
      return out.end();
    }

    @Override
    public Tee exceptionHandler(Handler<Throwable> handler) {
      out.exceptionHandler(handler);
      return this;
    }

    @Override
    public Tee setWriteQueueMaxSize(int maxSize) {
      out.setWriteQueueMaxSize(maxSize);
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return out.writeQueueFull();
    }

    @Override
    public Tee drainHandler(Handler<Void> handler) {
      out.drainHandler(handler);
      return this;
    }
  }
}
