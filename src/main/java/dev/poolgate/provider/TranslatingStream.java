package dev.poolgate.provider;

import dev.poolgate.protocol.Framer;
import dev.poolgate.protocol.ProtocolException;
import dev.poolgate.protocol.StreamTranslation;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * An upstream stream translated into the client's protocol as it arrives: each network chunk is
 * framed, each complete frame translated, and what they produced goes out as one buffer. Pause,
 * resume and fetch go straight to the source, so backpressure is the source's; at most one
 * partial frame is held. A stream that ends before its protocol's end (or breaks it) fails
 * instead of ending, like {@link SseRelay}.
 */
public final class TranslatingStream<F> implements ReadStream<Buffer> {
  private final ReadStream<Buffer> source;
  private final Framer<F> framer;
  private final StreamTranslation<F> translation;
  private final String instance;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private boolean failed;
  /** A source failure that came before anyone listened (the reply was still on its way to the pipe). */
  private Throwable pendingFailure;
  private Context pendingContext;

  public TranslatingStream(ReadStream<Buffer> source, Framer<F> framer, StreamTranslation<F> translation,
                           String instance) {
    this.source = source;
    this.framer = framer;
    this.translation = translation;
    this.instance = instance;
    // listen from the start: a paused HTTP response does not queue its exception, it drops it
    source.exceptionHandler(this::onFailure);
  }

  @Override
  public TranslatingStream<F> handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
    source.handler(handler == null ? null : this::onData);
    return this;
  }

  @Override
  public TranslatingStream<F> endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    source.endHandler(handler == null ? null : v -> onEnd());
    return this;
  }

  @Override
  public TranslatingStream<F> exceptionHandler(Handler<Throwable> handler) {
    Throwable pending;
    Context context;
    synchronized (this) {
      this.exceptionHandler = handler;
      pending = handler == null ? null : pendingFailure;
      context = pendingContext;
      if (pending != null) {
        pendingFailure = null;
      }
    }
    if (pending != null) {
      if (context != null) {
        context.runOnContext(v -> handler.handle(pending));
      } else {
        handler.handle(pending);
      }
    }
    return this;
  }

  @Override
  public TranslatingStream<F> pause() {
    source.pause();
    return this;
  }

  @Override
  public TranslatingStream<F> resume() {
    source.resume();
    return this;
  }

  @Override
  public TranslatingStream<F> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  private void onData(Buffer chunk) {
    if (failed) {
      return;
    }
    Buffer out = Buffer.buffer();
    try {
      for (F frame : framer.push(chunk)) {
        if (translation.done()) {
          break;
        }
        out.appendBuffer(translation.translate(frame));
      }
    } catch (ProtocolException e) {
      fail(e.getMessage());
      return;
    } catch (UpstreamException e) {
      // an error event the upstream sent mid-stream, with its status
      fail(e);
      return;
    }
    if (out.length() > 0 && dataHandler != null) {
      dataHandler.handle(out);
    }
  }

  private void onEnd() {
    if (failed) {
      return;
    }
    Buffer last = Buffer.buffer();
    try {
      // the last frame may come without its terminator
      for (F frame : framer.end()) {
        if (!translation.done()) {
          last.appendBuffer(translation.translate(frame));
        }
      }
      last.appendBuffer(translation.finish());
    } catch (ProtocolException e) {
      fail(e.getMessage());
      return;
    } catch (UpstreamException e) {
      fail(e);
      return;
    }
    if (last.length() > 0 && dataHandler != null) {
      dataHandler.handle(last);
    }
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  private void fail(String why) {
    fail(UpstreamException.malformed(instance, why));
  }

  private void fail(UpstreamException failure) {
    failed = true;
    source.handler(null);
    onFailure(failure);
  }

  private void onFailure(Throwable failure) {
    Handler<Throwable> handler;
    synchronized (this) {
      handler = exceptionHandler;
      if (handler == null) {
        pendingFailure = failure;
        pendingContext = Vertx.currentContext();
        return;
      }
    }
    handler.handle(failure);
  }
}
