package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.timing.LoopDeadlines;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;

/**
 * Cuts off a client that never finishes sending its body (slowloris), instead of holding its
 * connection and buffer forever. A platform handler so it runs before the body handler.
 */
final class BodyDeadlineHandler implements PlatformHandler {
  static final String TIMER_KEY = "poolgate.bodyTimer";

  private final Vertx vertx;
  private final long timeoutMs;

  BodyDeadlineHandler(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void handle(RoutingContext ctx) {
    LoopDeadlines.Deadline timer = LoopDeadlines.after(vertx.getOrCreateContext(), timeoutMs, () -> {
      if (!ctx.request().isEnded() && !ctx.response().ended()) {
        ApiErrors.send(ctx.response(), ErrorKind.REQUEST_TIMEOUT.exception(
            "the request body was not received within " + timeoutMs + " ms"));
        ctx.request().connection().close();
      }
    });
    ctx.put(TIMER_KEY, timer);
    ctx.next();
  }

  /** The body is in: the deadline no longer matters. */
  static void bodyReceived(Vertx vertx, RoutingContext ctx) {
    LoopDeadlines.Deadline timer = ctx.get(TIMER_KEY);
    if (timer != null) {
      timer.cancel();
    }
  }
}
