package dev.poolgate.demo;

import dev.poolgate.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo client's statistics, and a run against a gateway of mock instances. */
@ExtendWith(VertxExtension.class)
class DemoClientTest {

  @Test
  void percentilesAreNearestRank() {
    DemoStats stats = new DemoStats();
    for (int ms = 1; ms <= 100; ms++) {
      stats.record(200, ms * 1_000_000L, ms % 4 == 0 ? "b" : "a");
    }
    stats.record(503, 5_000_000L, null);
    stats.record(0, 9_000_000L, null);
    assertEquals(50.0, stats.percentileMs(50));
    assertEquals(90.0, stats.percentileMs(90));
    assertEquals(99.0, stats.percentileMs(99));
    assertEquals(100.0, stats.percentileMs(100));
    assertEquals(100.0 / 102, stats.successRate(), 1e-9);
    assertEquals(Map.of("a", 75, "b", 25), stats.byInstance());
    assertEquals(Map.of("503", 1, "no answer", 1), stats.failures());
    String report = stats.report(2.0);
    assertTrue(report.contains("success:  100/102 (98.0 %)"), report);
    assertTrue(report.contains("p50 50 ms, p90 90 ms, p99 99 ms"), report);
    assertTrue(report.contains("75.0 %"), report);
    assertEquals(-1, new DemoStats().percentileMs(50));
  }

  @Test
  void argumentsAreChecked() {
    DemoClient.Options o = DemoClient.parse(new String[] {"--url", "http://127.0.0.1:9/", "--requests", "7"});
    assertEquals(URI.create("http://127.0.0.1:9"), o.url());
    assertEquals(7, o.requests());
    assertEquals(DemoClient.DEFAULT_CONCURRENCY, o.concurrency());
    assertThrows(IllegalArgumentException.class, () -> DemoClient.parse(new String[] {"--requests", "7"}));
    assertThrows(IllegalArgumentException.class, () -> DemoClient.parse(new String[] {"--url", "http://x", "--requests", "x"}));
    assertThrows(IllegalArgumentException.class, () -> DemoClient.parse(new String[] {"--url", "http://x", "--bogus", "1"}));
  }

  @Test
  void aRunCountsEveryRequestAndWhoServedIt(Vertx vertx) throws Exception {
    JsonObject mock = new JsonObject().put("latency_ms", 20).put("tokens_per_second", 1000).put("reply_tokens", 4);
    JsonObject queue = new JsonObject().put("max_size", 100).put("timeout_ms", 10_000);
    GatewayFixture gw = GatewayFixture.startBlocking(vertx, new JsonObject()
        .put("pools", new JsonObject()
            .put("large", new JsonObject().put("queue", queue).put("instances", new JsonArray()
                .add(new JsonObject().put("id", "large-a").put("provider", "mock").put("max_concurrency", 3).put("mock", mock))
                .add(new JsonObject().put("id", "large-b").put("provider", "mock").put("max_concurrency", 2).put("mock", mock))))
            .put("small", new JsonObject().put("queue", queue).put("instances", new JsonArray()
                .add(new JsonObject().put("id", "small-a").put("provider", "mock").put("max_concurrency", 4).put("mock", mock)))))
        .put("models", new JsonObject().put("gpt-4o", "large").put("gpt-4o-mini", "small"))
        .put("health", new JsonObject().put("probe_interval_ms", 600_000)));
    try {
      HttpClient http = HttpClient.newHttpClient();
      URI url = URI.create(gw.baseUrl());
      assertTrue(DemoClient.awaitReady(http, url, Duration.ofSeconds(10)));
      DemoStats stats = DemoClient.run(http, new DemoClient.Options(url, 40, 20, Duration.ofSeconds(60),
          DemoClient.DEFAULT_MODELS));
      assertEquals(40, stats.total());
      assertEquals(40, stats.succeeded(), stats.report(1));
      assertEquals(40, stats.byInstance().values().stream().mapToInt(Integer::intValue).sum());
      assertEquals(20, (int) stats.byInstance().get("small-a"), "every other request asks for the small pool");
      assertTrue(Set.of("large-a", "large-b", "small-a").containsAll(stats.byInstance().keySet()), stats.report(1));
      assertTrue(stats.percentileMs(50) >= 20, "at least the mock's latency: " + stats.report(1));
      gw.assertNoLeak();
    } finally {
      await(gw.close());
    }
  }
}
