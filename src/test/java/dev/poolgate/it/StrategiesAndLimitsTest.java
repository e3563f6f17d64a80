package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.until;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Strategies and rate limits end to end, counted at fake upstreams. */
class StrategiesAndLimitsTest extends GatewayTestBase {

  private static JsonObject poolOf(JsonObject cfg) {
    return cfg.getJsonObject("pools").getJsonObject("p");
  }

  @Test
  void maxRpsHoldsAndTheRestWaitAndAreServed() throws InterruptedException {
    FakeOpenAi up = fake();
    JsonObject cfg = onePool(instance("a", up, 50).put("max_rps", 5));
    poolOf(cfg).getJsonObject("queue").put("timeout_ms", 10_000);
    gateway(cfg);

    long start = System.currentTimeMillis();
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      replies.add(gw.post(chat("request " + i)));
    }
    Thread.sleep(Math.max(0, start + 1_950 - System.currentTimeMillis()));
    int inTwoSeconds = up.requests();
    assertTrue(inTwoSeconds <= 11, inTwoSeconds + " requests reached the upstream within 2 s at max_rps 5");
    assertTrue(inTwoSeconds >= 5, "the limit is used: " + inTwoSeconds);
    await(Future.all(replies), Duration.ofSeconds(15));
    replies.forEach(r -> assertEquals(200, r.result().status(), () -> r.result().text()));
    assertEquals(15, up.requests(), "the waiting requests were served once the window moved on");
  }

  @Test
  void maxTpmSpillsToTheBackupWithFirstAvailable() {
    FakeOpenAi primary = fake();
    FakeOpenAi backup = fake();
    // each answer uses 6 tokens (1 prompt word + 5 pieces): two spend the primary's minute
    JsonObject cfg = onePool(instance("primary", primary, 10).put("max_tpm", 12), instance("backup", backup, 10));
    poolOf(cfg).put("strategy", "first_available");
    gateway(cfg);
    for (int i = 0; i < 4; i++) {
      assertEquals(200, gw.postBlocking(chat("hi")).status());
      until("the slot is back", () -> gw.pool("p").inFlight() == 0);
    }
    assertEquals(2, primary.requests());
    assertEquals(2, backup.requests());
  }

  @Test
  void roundRobinFollowsTheWeights() {
    FakeOpenAi a = fake();
    FakeOpenAi b = fake();
    JsonObject cfg = onePool(instance("a", a, 10).put("weight", 3), instance("b", b, 10));
    poolOf(cfg).put("strategy", "round_robin");
    gateway(cfg);
    for (int i = 0; i < 8; i++) {
      assertEquals(200, gw.postBlocking(chat("hi")).status());
      until("the slot is back", () -> gw.pool("p").inFlight() == 0);
    }
    assertEquals(6, a.requests());
    assertEquals(2, b.requests());
  }
}
