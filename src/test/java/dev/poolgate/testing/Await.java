package dev.poolgate.testing;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Blocking helpers for test threads (never call them on an event loop): wait for a future, or
 * poll a condition until it holds, always with a bound.
 */
public final class Await {
  public static final Duration DEFAULT = Duration.ofSeconds(10);

  private Await() {
  }

  public static <T> T await(Future<T> future) {
    return await(future, DEFAULT);
  }

  public static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new AssertionError("future failed: " + cause, cause);
    } catch (TimeoutException e) {
      // a hang is easier to read with what every event loop was doing
      StringBuilder sb = new StringBuilder("threads when the wait gave up:\n");
      Thread.getAllStackTraces().forEach((t, st) -> {
        if (t.getName().contains("vert.x") || t.getName().contains("main")) {
          sb.append(t.getName()).append(' ').append(t.getState()).append('\n');
          for (int i = 0; i < Math.min(12, st.length); i++) {
            sb.append("    ").append(st[i]).append('\n');
          }
        }
      });
      System.out.println(sb);
      throw new AssertionError("future not complete after " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** The failure of a future that must fail. */
  public static Throwable awaitFailure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("future not complete after " + DEFAULT.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
    throw new AssertionError("future succeeded but was expected to fail");
  }

  /** Polls until the condition holds; fails with the description after the timeout. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT, condition);
  }

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not true after " + timeout.toMillis() + " ms: " + what);
      }
      pause();
    }
  }

  /** Polls until the supplier's value satisfies the condition and returns it. */
  public static <T> T until(String what, Supplier<T> value, java.util.function.Predicate<T> condition) {
    long end = System.nanoTime() + DEFAULT.toNanos();
    T last = value.get();
    while (!condition.test(last)) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not true after " + DEFAULT.toMillis() + " ms: " + what + " (last: " + last + ")");
      }
      pause();
      last = value.get();
    }
    return last;
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
