package dev.poolgate.dispatch;

import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

/**
 * The one context a request's steps run on (see {@link Exchange}): a step runs with this context
 * current, never on two threads at once, so the request's state needs no lock.
 *
 * <p>A step completed on the request's own event loop by another verticle (the slot desk's grant, the
 * provider's answer, the pipe's end) runs at once, with this context made current. Only a step from
 * another thread is queued to the loop. Queuing the same-loop steps too cost each request a task and a
 * wait behind the loop's other I/O, twice on its way to the first byte (docs/BENCHMARKS.md, seventh
 * pass).
 */
final class RequestContext {
  private final ContextInternal context;

  RequestContext(Context context) {
    this.context = (ContextInternal) context;
  }

  /** Runs {@code step} on this context: now if the caller is on its event loop, else queued to it. */
  void run(Runnable step) {
    context.emit(v -> step.run());
  }
}
