package dev.poolgate.cache;

import dev.poolgate.GatewayException;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.dispatch.Served;
import dev.poolgate.dispatch.TappedWriteStream;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.buffer.Buffer;
import dev.poolgate.protocol.ProtocolException;
import dev.poolgate.protocol.SseFramer;
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
      for (String data : new SseFramer().pushData(copy)) {
        if (!data.equals("[DONE]")) {
          assembler.add(new JsonObject(data));
        }
      }
      return assembler.completion();
    } catch (DecodeException | ClassCastException | ProtocolException e) {
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
    return new TappedWriteStream(sink.open(served, reply), this::copy);
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

  /** Keeps a copy of what passes, until the size bound spoils it. */
  private void copy(Buffer data) {
    if (spoiled) {
      return;
    }
    if (copy.length() + data.length() > MAX_CACHED_BYTES) {
      spoiled = true;
      copy = null;
    } else {
      copy.appendBuffer(data);
    }
  }
}
