package dev.poolgate.timing;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deadlines on an event loop's wheel: they fire on the context that set them, not early, and not once cancelled. */
@ExtendWith(VertxExtension.class)
class LoopDeadlinesTest {

  @Test
  void aDeadlineFiresOnItsOwnContextAfterItsDelay(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    Promise<Long> fired = Promise.promise();
    AtomicReference<Context> firedOn = new AtomicReference<>();
    long[] setAt = new long[1];
    context.runOnContext(v -> {
      setAt[0] = System.nanoTime();
      LoopDeadlines.after(context, 120, () -> {
        firedOn.set(Vertx.currentContext());
        fired.complete((System.nanoTime() - setAt[0]) / 1_000_000);
      });
    });
    long elapsed = await(fired.future());
    assertTrue(elapsed >= 120, "fired after " + elapsed + " ms");
    assertSame(context, firedOn.get());
  }

  @Test
  void aCancelledDeadlineDoesNotFireAndOthersStillDo(Vertx vertx) throws InterruptedException {
    Context context = vertx.getOrCreateContext();
    AtomicInteger cancelledFired = new AtomicInteger();
    Promise<Void> other = Promise.promise();
    context.runOnContext(v -> {
      LoopDeadlines.Deadline d = LoopDeadlines.after(context, 50, cancelledFired::incrementAndGet);
      LoopDeadlines.after(context, 150, other::complete);
      d.cancel();
    });
    await(other.future());
    assertEquals(0, cancelledFired.get());
  }

  @Test
  void aCancelFromAnotherThreadIsHonoured(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    AtomicInteger fired = new AtomicInteger();
    Promise<LoopDeadlines.Deadline> set = Promise.promise();
    context.runOnContext(v -> set.complete(LoopDeadlines.after(context, 200, fired::incrementAndGet)));
    await(set.future()).cancel(); // from the test's thread
    Promise<Void> later = Promise.promise();
    context.runOnContext(v -> LoopDeadlines.after(context, 300, later::complete));
    await(later.future());
    assertEquals(0, fired.get());
  }

  @Test
  void offAnEventLoopItIsAPlainTimer(Vertx vertx) {
    Context worker = vertx.getOrCreateContext();
    Promise<Void> fired = Promise.promise();
    // called from the test's own thread, not the context's loop
    LoopDeadlines.after(worker, 30, fired::complete);
    await(fired.future());
  }
}
