package dev.poolgate.it;

import dev.poolgate.scheduling.Health;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.poolgate.it.CapsAndQueueTest.assertOpenAiError;
import static dev.poolgate.testing.Await.until;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.pool;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retries before the first byte, health states steering traffic, weights shaping the share. */
class RetryAndHealthTest extends GatewayTestBase {

  @Test
  void upstream500IsRetriedOnAnotherInstance() {
    FakeOpenAi bad = fake().failWith(500);
    FakeOpenAi good = fake();
    gateway(onePool(instance("bad", bad, 2).put("weight", 100), instance("good", good, 2)));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(200, reply.status(), reply::text);
    assertEquals("good", reply.header("x-poolgate-instance"));
    assertEquals("2", reply.header("x-poolgate-attempts"));
    assertEquals(1, bad.requests());
    assertEquals(1, good.requests());
  }

  @Test
  void streamFailingBeforeItsFirstByteIsRetriedOnAnotherInstance() {
    FakeOpenAi bad = fake().failWith(503);
    FakeOpenAi good = fake();
    gateway(onePool(instance("bad", bad, 2).put("weight", 100), instance("good", good, 2)));

    Reply reply = gw.postBlocking(chat("hi").put("stream", true));

    assertEquals(200, reply.status(), reply::text);
    assertEquals("good", reply.header("x-poolgate-instance"));
    assertTrue(reply.text().endsWith("data: [DONE]\n\n"), reply.text());
  }

  @Test
  void refusedConnectionIsRetriedOnAnotherInstance() {
    FakeOpenAi down = FakeOpenAi.refusing(vertx);
    FakeOpenAi good = fake();
    gateway(onePool(instance("down", down, 2).put("weight", 100), instance("good", good, 2)));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(200, reply.status(), reply::text);
    assertEquals("good", reply.header("x-poolgate-instance"));
    assertEquals("2", reply.header("x-poolgate-attempts"));
  }

  @Test
  void upstream429IsRetriedOnAnotherInstance() {
    FakeOpenAi limited = fake().failWith(429);
    FakeOpenAi good = fake();
    gateway(onePool(instance("limited", limited, 2).put("weight", 100), instance("good", good, 2)));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(200, reply.status(), reply::text);
    assertEquals("good", reply.header("x-poolgate-instance"));
  }

  @Test
  void upstreamThatDoesNotAnswerInTimeIsRetriedOnAnotherInstance() {
    FakeOpenAi slow = fake().latency(3_000);
    FakeOpenAi good = fake();
    gateway(onePool(instance("slow", slow, 2).put("weight", 100).put("timeout_ms", 200), instance("good", good, 2)));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(200, reply.status(), reply::text);
    assertEquals("good", reply.header("x-poolgate-instance"));
    until("the timed-out upstream request was reset", () -> slow.resets() == 1);
  }

  @Test
  void whenEveryInstanceOfThePoolFailsTheFallbackPoolServes() {
    FakeOpenAi bad = fake().failWith(500);
    FakeOpenAi backup = fake();
    JsonObject main = pool(instance("bad", bad, 2)).put("fallback", "backup");
    gateway(config(new JsonObject().put("main", main).put("backup", pool(instance("b1", backup, 2))))
        .put("models", new JsonObject().put("gpt-test", "main")));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(200, reply.status(), reply::text);
    assertEquals("backup", reply.header("x-poolgate-pool"));
    assertEquals("b1", reply.header("x-poolgate-instance"));
    assertEquals(1, bad.requests());
  }

  @Test
  void whenEveryInstanceFailsTheClientGetsTheLastFailure() {
    FakeOpenAi a = fake().failWith(500);
    FakeOpenAi b = fake().failWith(502);
    gateway(onePool(instance("a", a, 2), instance("b", b, 2)));

    Reply reply = gw.postBlocking(chat("hi"));

    assertEquals(502, reply.status(), reply::text);
    assertOpenAiError(reply, "upstream_error", "upstream_error");
    assertEquals(1, a.requests());
    assertEquals(1, b.requests());
  }

  @Test
  void failingInstanceBecomesUnhealthyGetsNoTrafficAndIsReadmittedAfterRecovery() {
    FakeOpenAi flaky = fake().failWith(500);
    FakeOpenAi good = fake();
    JsonObject cfg = onePool(instance("flaky", flaky, 4), instance("good", good, 4));
    cfg.put("health", new JsonObject().put("probe_interval_ms", 100).put("probe_timeout_ms", 500)
        .put("degrade_after", 1).put("unhealthy_after", 2).put("cooldown_ms", 300).put("recover_after", 2));
    gateway(cfg);

    for (int i = 0; i < 20 && gw.instanceSnapshot("p", "flaky").health() != Health.UNHEALTHY; i++) {
      assertEquals(200, gw.postBlocking(chat("warm " + i)).status());
    }
    until("flaky is unhealthy", () -> gw.instanceSnapshot("p", "flaky").health() == Health.UNHEALTHY);

    int before = flaky.requests();
    for (int i = 0; i < 10; i++) {
      Reply r = gw.postBlocking(chat("steady " + i));
      assertEquals(200, r.status());
      assertEquals("good", r.header("x-poolgate-instance"));
    }
    assertEquals(before, flaky.requests(), "an unhealthy instance gets no traffic");

    flaky.succeed();
    until("flaky recovered through probes", Duration.ofSeconds(5),
        () -> gw.instanceSnapshot("p", "flaky").health() == Health.HEALTHY);
    int served = 0;
    for (int i = 0; i < 10; i++) {
      Reply r = gw.postBlocking(chat("again " + i));
      assertEquals(200, r.status());
      if ("flaky".equals(r.header("x-poolgate-instance"))) {
        served++;
      }
    }
    assertTrue(served >= 3, "readmitted instance takes its share again, took " + served + " of 10");
  }

  @Test
  void weightsShapeTheShare() {
    FakeOpenAi heavy = fake();
    FakeOpenAi light = fake();
    gateway(onePool(instance("heavy", heavy, 10).put("weight", 3), instance("light", light, 10).put("weight", 1)));

    for (int i = 0; i < 80; i++) {
      assertEquals(200, gw.postBlocking(chat("r" + i)).status());
    }

    assertEquals(80, heavy.requests() + light.requests());
    assertTrue(heavy.requests() >= 54 && heavy.requests() <= 66,
        "about 75 % on the weight-3 instance: " + heavy.requests() + " of 80");
  }
}
