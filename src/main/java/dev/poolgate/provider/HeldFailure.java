package dev.poolgate.provider;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/**
 * The failure side of a stream that wraps an upstream response. A paused HTTP response does not
 * queue its exception, it drops it; so the wrapper listens from the start and, when the failure
 * comes before anyone listens (the reply is still on its way to the pipe), holds it until a
 * listener arrives and then delivers it on the source's context.
 */
final class HeldFailure {
  private Handler<Throwable> handler;
  private Throwable pending;
  private Context pendingContext;

  void handler(Handler<Throwable> h) {
    Throwable held;
    Context context;
    synchronized (this) {
      this.handler = h;
      held = h == null ? null : pending;
      context = pendingContext;
      if (held != null) {
        pending = null;
      }
    }
    if (held != null) {
      // later, so the listener finishes setting up first
      if (context != null) {
        context.runOnContext(v -> h.handle(held));
      } else {
        h.handle(held);
      }
    }
  }

  void fail(Throwable failure) {
    Handler<Throwable> h;
    synchronized (this) {
      h = handler;
      if (h == null) {
        pending = failure;
        pendingContext = Vertx.currentContext();
        return;
      }
    }
    h.handle(failure);
  }
}
