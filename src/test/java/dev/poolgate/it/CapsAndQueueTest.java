package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.until;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Caps, the queue's order, its bounds, its timeout and fallback, and clients leaving it. */
class CapsAndQueueTest extends GatewayTestBase {

  @Test
  void capsHoldUnder200ConcurrentRequestsAcrossThreeInstances() {
    FakeOpenAi a = fake().latency(20);
    FakeOpenAi b = fake().latency(20);
    FakeOpenAi c = fake().latency(20);
    JsonObject cfg = onePool(instance("a", a, 2), instance("b", b, 3), instance("c", c, 5));
    cfg.getJsonObject("pools").getJsonObject("p").getJsonObject("queue").put("timeout_ms", 20_000);
    gateway(cfg);

    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      replies.add(gw.post(chat("request " + i)));
    }
    await(Future.all(replies), Duration.ofSeconds(30));

    for (Future<Reply> r : replies) {
      assertEquals(200, r.result().status(), () -> r.result().text());
      assertEquals("chat.completion", r.result().json().getString("object"));
    }
    assertEquals(200, a.requests() + b.requests() + c.requests());
    assertTrue(a.maxInFlight() <= 2, "a had " + a.maxInFlight() + " in flight, cap 2");
    assertTrue(b.maxInFlight() <= 3, "b had " + b.maxInFlight() + " in flight, cap 3");
    assertTrue(c.maxInFlight() <= 5, "c had " + c.maxInFlight() + " in flight, cap 5");
    assertTrue(a.requests() > 0 && b.requests() > 0 && c.requests() > 0, "every instance served");
    // with 200 waiting, every cap must have been filled
    assertEquals(2, a.maxInFlight());
    assertEquals(3, b.maxInFlight());
    assertEquals(5, c.maxInFlight());
  }

  @Test
  void strictPriorityBetweenLevelsAndFifoWithinOne() {
    FakeOpenAi up = fake().hold();
    gateway(onePool(instance("only", up, 1)));

    List<Future<Reply>> replies = new ArrayList<>();
    replies.add(gw.post(chat("first")));
    until("the first request holds the slot", () -> up.requests() == 1);
    // queue one at a time so their arrival order is known
    record Q(String prompt, Integer level, String header) {}
    List<Q> queued = List.of(new Q("a", 1, null), new Q("b", null, "5"), new Q("c", 5, null),
        new Q("d", null, null), new Q("e", 10, null), new Q("f", null, "1"));
    int n = 0;
    for (Q q : queued) {
      JsonObject body = chat(q.prompt());
      if (q.level() != null) {
        body.put("user_level", q.level());
      }
      Map<String, String> headers = q.header() == null ? Map.of("content-type", "application/json")
          : Map.of("content-type", "application/json", "x-priority", q.header());
      replies.add(gw.post("/v1/chat/completions", body.toBuffer(), headers));
      gw.awaitQueued("p", ++n);
    }
    assertEquals(Map.of(10, 1, 5, 2, 1, 2, 0, 1), gw.pool("p").queuedByPriority());

    up.release();
    await(Future.all(replies));
    replies.forEach(r -> assertEquals(200, r.result().status(), () -> r.result().text()));
    assertEquals(List.of("first", "e", "b", "c", "a", "f", "d"), up.prompts());
    assertTrue(up.bodies().stream().noneMatch(b -> b.containsKey("user_level")), "user_level is not sent upstream");
    assertEquals(1, up.maxInFlight());
  }

  @Test
  void fullQueueAnswers429AtOnce() {
    FakeOpenAi up = fake().hold();
    JsonObject cfg = onePool(instance("only", up, 1));
    cfg.getJsonObject("pools").getJsonObject("p").getJsonObject("queue").put("max_size", 1).put("timeout_ms", 10_000);
    gateway(cfg);

    Future<Reply> first = gw.post(chat("first"));
    until("the first request holds the slot", () -> up.requests() == 1);
    Future<Reply> second = gw.post(chat("second"));
    gw.awaitQueued("p", 1);

    long start = System.nanoTime();
    Reply third = await(gw.post(chat("third")), Duration.ofSeconds(2));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(429, third.status());
    assertOpenAiError(third, "rate_limit_error", "queue_full");
    assertNotNull(third.header("retry-after"));
    assertTrue(tookMs < 1_000, "rejected at once, took " + tookMs + " ms");

    up.release();
    assertEquals(200, await(first).status());
    assertEquals(200, await(second).status());
    assertEquals(2, up.requests());
  }

  @Test
  void queueTimeoutAnswers429WithRetryAfter() {
    FakeOpenAi up = fake().hold();
    JsonObject cfg = onePool(instance("only", up, 1));
    cfg.getJsonObject("pools").getJsonObject("p").getJsonObject("queue").put("timeout_ms", 300);
    gateway(cfg);

    Future<Reply> first = gw.post(chat("first"));
    until("the first request holds the slot", () -> up.requests() == 1);
    long start = System.nanoTime();
    Reply second = await(gw.post(chat("second")), Duration.ofSeconds(5));
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertEquals(429, second.status());
    assertOpenAiError(second, "rate_limit_error", "queue_timeout");
    String retryAfter = second.header("retry-after");
    assertNotNull(retryAfter, "Retry-After is set");
    assertTrue(Integer.parseInt(retryAfter) >= 1);
    assertTrue(tookMs >= 250 && tookMs < 3_000, "waited about the queue timeout, took " + tookMs + " ms");
    assertEquals(0, gw.pool("p").queued());

    up.release();
    assertEquals(200, await(first).status());
    assertEquals(1, up.requests());
  }

  @Test
  void queueTimeoutGoesToTheFallbackPool() {
    FakeOpenAi main = fake().hold();
    FakeOpenAi backup = fake();
    JsonObject mainPool = pool(instance("m1", main, 1)).put("fallback", "backup");
    mainPool.getJsonObject("queue").put("timeout_ms", 300);
    gateway(config(new JsonObject().put("main", mainPool).put("backup", pool(instance("b1", backup, 1))))
        .put("models", new JsonObject().put("gpt-test", "main")));

    Future<Reply> first = gw.post(chat("first"));
    until("the first request holds the slot", () -> main.requests() == 1);
    Reply second = await(gw.post(chat("second")), Duration.ofSeconds(5));

    assertEquals(200, second.status(), second::text);
    assertEquals("backup", second.header("x-poolgate-pool"));
    assertEquals("b1", second.header("x-poolgate-instance"));
    assertEquals(List.of("second"), backup.prompts());

    main.release();
    assertEquals(200, await(first).status());
    assertEquals("m1", await(first).header("x-poolgate-instance"));
  }

  @Test
  void queuedClientThatDisconnectsLeavesTheQueueAtOnce() {
    FakeOpenAi up = fake().hold();
    JsonObject cfg = onePool(instance("only", up, 1));
    cfg.getJsonObject("pools").getJsonObject("p").getJsonObject("queue").put("timeout_ms", 10_000);
    gateway(cfg);

    Future<Reply> first = gw.post(chat("first"));
    until("the first request holds the slot", () -> up.requests() == 1);

    HttpClient leaving = vertx.createHttpClient();
    HttpClientRequest req = await(leaving.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(gw.port()).setURI("/v1/chat/completions")
        .putHeader("content-type", "application/json")));
    req.send(chat("leaving").toBuffer());
    gw.awaitQueued("p", 1);
    await(req.connection().close());

    until("the gone client's ticket left the queue", Duration.ofSeconds(2), () -> gw.pool("p").queued() == 0);
    up.release();
    assertEquals(200, await(first).status());

    long start = System.nanoTime();
    Reply next = await(gw.post(chat("next")), Duration.ofSeconds(3));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(200, next.status());
    assertTrue(tookMs < 2_000, "served long before the queue timeout, took " + tookMs + " ms");
    assertEquals(List.of("first", "next"), up.prompts(), "the gone client's request never went upstream");
    gw.assertNoLeak();
    assertFalse(gw.pool("p").unclaimedGrants() > 0);
    await(leaving.close());
  }

  static void assertOpenAiError(Reply reply, String type, String code) {
    assertEquals("application/json", reply.header("content-type"));
    JsonObject error = reply.json().getJsonObject("error");
    assertNotNull(error, "OpenAI error shape: " + reply.text());
    assertTrue(error.getString("message") != null && !error.getString("message").isBlank(), "a message");
    assertEquals(type, error.getString("type"));
    assertEquals(code, error.getString("code"));
  }
}
