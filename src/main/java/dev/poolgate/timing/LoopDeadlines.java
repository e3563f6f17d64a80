package dev.poolgate.timing;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Coarse deadlines on the caller's event loop: one {@link DeadlineWheel} per loop, ticked by one
 * task of that loop while any deadline is pending (none on an idle loop). For the deadlines a
 * request sets by the thousand and almost never reaches; an action runs on the context that set
 * it, at most {@link #TICK_MS} late.
 *
 * <p>Off an event loop (a worker context, a test's thread) a deadline is a plain Vert.x timer.
 */
public final class LoopDeadlines {
  /** How late a deadline may fire. */
  public static final long TICK_MS = 10;
  /** One turn of the wheel: 5.12 s; longer deadlines wait out whole turns. */
  private static final int SLOTS = 512;
  private static final ThreadLocal<LoopDeadlines> ON_LOOP = new ThreadLocal<>();

  private final EventLoop loop;
  private final DeadlineWheel wheel;
  private ScheduledFuture<?> ticker;

  private LoopDeadlines(EventLoop loop) {
    this.loop = loop;
    this.wheel = new DeadlineWheel(TICK_MS, SLOTS, now());
  }

  /** A deadline set: cancel it once what it guards is done. */
  public interface Deadline {
    void cancel();
  }

  /** Runs {@code action} on {@code context} once {@code delayMs} have passed, unless cancelled first. */
  public static Deadline after(Context context, long delayMs, Runnable action) {
    ContextInternal ctx = (ContextInternal) context;
    EventLoop loop = ctx.nettyEventLoop();
    if (!ctx.isEventLoopContext() || !loop.inEventLoop()) {
      long id = ctx.owner().setTimer(Math.max(1, delayMs), t -> ctx.runOnContext(v -> action.run()));
      return () -> ctx.owner().cancelTimer(id);
    }
    LoopDeadlines deadlines = ON_LOOP.get();
    if (deadlines == null || deadlines.loop != loop) {
      deadlines = new LoopDeadlines(loop);
      ON_LOOP.set(deadlines);
    }
    return deadlines.schedule(ctx, delayMs, action);
  }

  private Deadline schedule(ContextInternal ctx, long delayMs, Runnable action) {
    DeadlineWheel.Entry entry = wheel.schedule(now(), delayMs, () -> ctx.runOnContext(v -> action.run()));
    if (ticker == null) {
      ticker = loop.scheduleAtFixedRate(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }
    return () -> {
      if (loop.inEventLoop()) {
        wheel.cancel(entry);
      } else {
        loop.execute(() -> wheel.cancel(entry));
      }
    };
  }

  private void tick() {
    wheel.advance(now());
    if (wheel.size() == 0 && ticker != null) {
      ticker.cancel(false);
      ticker = null;
    }
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }
}
