package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.until;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code large: { lend_to: [small] }} over HTTP: small's queue drains through large's idle instance,
 * sent with large's model and counted against its cap, and large's own requests come first.
 */
class BorrowingTest extends GatewayTestBase {

  /** small (one instance "s", model small-upstream) and large (one instance "L", model large-upstream). */
  private static JsonObject lendingConfig(FakeOpenAi small, int smallCap, FakeOpenAi large, int largeCap) {
    JsonObject largePool = pool(instance("L", large, largeCap).put("model", "large-upstream"))
        .put("lend_to", new JsonArray().add("small"));
    JsonObject smallPool = pool(instance("s", small, smallCap).put("model", "small-upstream"));
    return config(new JsonObject().put("large", largePool).put("small", smallPool));
  }

  private static JsonObject chat(String pool, String prompt) {
    return new JsonObject().put("model", pool).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", prompt)));
  }

  @Test
  void aSaturatedPoolsQueueDrainsThroughTheIdleLenderWithinEveryCap() {
    FakeOpenAi small = fake().latency(40);
    FakeOpenAi large = fake().latency(40);
    gateway(lendingConfig(small, 1, large, 2));

    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      replies.add(gw.post(chat("small", "request " + i)));
    }
    await(Future.all(replies), Duration.ofSeconds(30));

    int borrowed = 0;
    for (Future<Reply> f : replies) {
      Reply r = f.result();
      assertEquals(200, r.status(), r::text);
      assertEquals("small", r.header("x-poolgate-pool"));
      String instance = r.header("x-poolgate-instance");
      if ("L".equals(instance)) {
        assertEquals("large", r.header("x-poolgate-borrowed"), "a borrowed answer names its lender");
        borrowed++;
      } else {
        assertEquals("s", instance, "every answer names its instance");
        assertNull(r.header("x-poolgate-borrowed"));
      }
    }
    assertEquals(30, small.requests() + large.requests());
    assertEquals(borrowed, large.requests());
    assertTrue(borrowed > 0, "small's queue never used the idle large");
    assertTrue(small.maxInFlight() <= 1, "s had " + small.maxInFlight() + " in flight, cap 1");
    assertTrue(large.maxInFlight() <= 2, "L had " + large.maxInFlight() + " in flight, cap 2");
    assertEquals(2, large.maxInFlight(), "with 30 waiting the lender's cap was filled");
    assertTrue(large.bodies().stream().allMatch(b -> "large-upstream".equals(b.getString("model"))),
        "a borrowed request is sent with the lending instance's model: " + large.bodies());
    assertTrue(small.bodies().stream().allMatch(b -> "small-upstream".equals(b.getString("model"))));
  }

  @Test
  void onceTheLenderHasItsOwnTrafficItsFreedSlotGoesToItFirst() {
    FakeOpenAi small = fake().hold();
    FakeOpenAi large = fake().hold();
    gateway(lendingConfig(small, 1, large, 1));

    Future<Reply> home = gw.post(chat("small", "home"));
    until("small's only slot is busy", () -> small.requests() == 1);
    Future<Reply> lent = gw.post(chat("small", "lent"));
    until("the borrower got large's idle slot", () -> large.requests() == 1);
    Future<Reply> borrowerWaiting = gw.post(chat("small", "borrower-waiting"));
    gw.awaitQueued("small", 1);
    Future<Reply> own = gw.post(chat("large", "own"));
    gw.awaitQueued("large", 1);

    large.release();
    Reply lentReply = await(lent);
    assertEquals("L", lentReply.header("x-poolgate-instance"));
    assertEquals("large", lentReply.header("x-poolgate-borrowed"));
    Reply ownReply = await(own);
    assertEquals("L", ownReply.header("x-poolgate-instance"));
    assertNull(ownReply.header("x-poolgate-borrowed"), "large's own request is not borrowed");
    Reply waitingReply = await(borrowerWaiting);
    assertEquals("large", waitingReply.header("x-poolgate-borrowed"));
    assertEquals(List.of("lent", "own", "borrower-waiting"), large.prompts(),
        "the slot the borrower gave back went to large's own queue first");
    assertEquals(1, large.maxInFlight());

    small.release();
    Reply homeReply = await(home);
    assertEquals("s", homeReply.header("x-poolgate-instance"));
    assertNull(homeReply.header("x-poolgate-borrowed"));
  }

  @Test
  void aBorrowedStreamSaysWhoServedItAndAFailedBorrowedAttemptIsRetriedAtHome() {
    FakeOpenAi small = fake().hold();
    FakeOpenAi large = fake();
    gateway(lendingConfig(small, 1, large, 1));

    Future<Reply> home = gw.post(chat("small", "home"));
    until("small's only slot is busy", () -> small.requests() == 1);
    Reply stream = await(gw.post(chat("small", "streamed").put("stream", true)));
    assertEquals(200, stream.status(), stream::text);
    assertTrue(stream.header("content-type").startsWith("text/event-stream"));
    assertEquals("L", stream.header("x-poolgate-instance"));
    assertEquals("large", stream.header("x-poolgate-borrowed"));
    assertTrue(stream.text().trim().endsWith("data: [DONE]"), stream.text());

    // the lender fails this request: it is retried at home, and the answer no longer says borrowed
    large.failWith(503);
    Future<Reply> retried = gw.post(chat("small", "retried"));
    until("the borrowed attempt failed", () -> large.requests() == 2);
    small.release();
    assertEquals(200, await(home).status());
    Reply r = await(retried);
    assertEquals(200, r.status(), r::text);
    assertEquals("s", r.header("x-poolgate-instance"));
    assertEquals("2", r.header("x-poolgate-attempts"));
    assertNull(r.header("x-poolgate-borrowed"), "an earlier borrowed attempt does not mark the answer");
  }
}
