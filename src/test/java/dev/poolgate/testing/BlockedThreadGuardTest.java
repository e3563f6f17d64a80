package dev.poolgate.testing;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guard itself: a Vert.x made anywhere in the tests gets the short limit, and a block is recorded. */
class BlockedThreadGuardTest {

  @Test
  void anEventLoopBlockedPastTheLimitIsRecorded() throws Exception {
    int before = BlockedThreadGuard.configured();
    Vertx vertx = Vertx.vertx();
    try {
      assertTrue(BlockedThreadGuard.configured() > before, "the provider configured the new Vert.x");
      vertx.runOnContext(v -> {
        try {
          Thread.sleep(BlockedThreadGuard.MAX_EVENT_LOOP_EXECUTE_MS * 2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Await.until("the checker warned", Duration.ofSeconds(5),
          () -> BlockedThreadWarnings.peek().stream().anyMatch(w -> w.contains("has been blocked")));
    } finally {
      await(vertx.close());
      // recorded on purpose: not a failure of this test
      BlockedThreadWarnings.drain();
    }
  }
}
