package dev.poolgate.it;

import dev.poolgate.testing.Await;
import dev.poolgate.testing.FakeOpenAi;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every metric the Grafana dashboard queries exists in the scrape of a gateway that served traffic. */
class MetricsDashboardTest extends GatewayTestBase {
  static final Path DASHBOARD = Path.of("docs/grafana/poolgate.json");
  private static final Pattern METRIC = Pattern.compile("\\bpoolgate_[a-z0-9_]+");

  @Test
  void everyMetricOfTheDashboardIsScraped() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    Set<String> used = new TreeSet<>();
    collectExprs(dashboard, used);
    assertTrue(used.size() >= 10, "the dashboard queries poolgate metrics: " + used);

    FakeOpenAi good = fake();
    FakeOpenAi bad = fake().failWith(500);
    FakeOpenAi alsoBad = fake().failWith(500);
    JsonObject cache = new JsonObject().put("ttl_s", 60).put("max_entries", 100);
    gateway(config(new JsonObject()
        .put("p", pool(instance("bad", bad, 2), instance("good", good, 2))
            .put("strategy", "first_available").put("cache", cache))
        .put("f", pool(instance("also-bad", alsoBad, 1)).put("fallback", "p")))
        .put("models", new JsonObject().put("gpt-test", "p").put("gpt-fallback", "f")));

    // a retry (bad, then good), stored in the cache; a cache hit; a fallback from f to p
    assertEquals(200, gw.postBlocking(chat("one").put("temperature", 0)).status());
    Await.until("the answer is cached", () -> gw.gateway().node().cache().size() >= 1);
    assertEquals("hit", gw.postBlocking(chat("one").put("temperature", 0)).header("x-poolgate-cache"));
    assertEquals(200, gw.postBlocking(chat("two").put("model", "gpt-fallback")).status());

    // a request is counted just after its answer ends: the client may scrape a moment earlier
    String scrape = Await.until("every dashboard metric in the scrape", this::scrape,
        text -> missing(used, text).isEmpty());
    assertTrue(missing(used, scrape).isEmpty());
    assertTrue(scrape.contains("poolgate_fallbacks_total{pool=\"p\"} 1.0"), "the fallback was counted");
    assertTrue(scrape.contains("poolgate_retries_total{pool=\"f\"} 0.0"),
        "every pool's counters exist, at 0 until something happens");
    assertTrue(scrape.contains("poolgate_client_tokens_total{client_key=\"anonymous\",direction=\"in\"}"),
        "tokens of requests without a client key count as anonymous");
    assertFalse(scrape.contains("sk-test-"), "no upstream key in a label");
  }

  @Test
  void theDashboardHasAPrometheusDatasourceVariable() throws IOException {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    JsonObject ds = dashboard.getJsonObject("templating").getJsonArray("list").stream()
        .map(JsonObject.class::cast).filter(v -> "datasource".equals(v.getString("type"))).findFirst().orElseThrow();
    assertEquals("prometheus", ds.getString("query"));
    String name = ds.getString("name");
    dashboard.getJsonArray("panels").stream().map(JsonObject.class::cast)
        .filter(p -> !"row".equals(p.getString("type")))
        .forEach(p -> assertEquals("${" + name + "}", p.getJsonObject("datasource").getString("uid"), p.getString("title")));
  }

  private String scrape() {
    return await(WebClient.wrap(gw.client()).get(gw.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
  }

  /** The names used but not in the scrape. */
  private static Set<String> missing(Set<String> used, String scrape) {
    Set<String> scraped = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        scraped.add(line.split("[{ ]", 2)[0]);
      }
    }
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(scraped);
    return missing;
  }

  /** Every metric name in a target's {@code expr}, anywhere in the dashboard. */
  private static void collectExprs(Object node, Set<String> out) {
    if (node instanceof JsonObject o) {
      o.forEach(e -> {
        if (e.getKey().equals("expr") && e.getValue() instanceof String expr) {
          Matcher m = METRIC.matcher(expr);
          while (m.find()) {
            out.add(m.group());
          }
        } else {
          collectExprs(e.getValue(), out);
        }
      });
    } else if (node instanceof JsonArray a) {
      a.forEach(v -> collectExprs(v, out));
    }
  }
}
