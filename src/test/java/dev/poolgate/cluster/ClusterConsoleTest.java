package dev.poolgate.cluster;

import dev.poolgate.testing.PrivateState;

import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.console.ConsoleRoutes;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.protocol.SseEvent;
import dev.poolgate.protocol.SseFramer;
import dev.poolgate.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console of one node shows the cluster: requests served by the other node are in its charts
 * (the nodes' series summed), both members are listed with their address, and a member that
 * leaves is shown as gone.
 */
class ClusterConsoleTest {
  private Vertx client;
  private List<ClusterNode.Member> members;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  @BeforeEach
  void start() {
    client = Vertx.vertx();
    members = TestCluster.start(2);
    for (ClusterNode.Member m : members) {
      int port = TestCluster.freePort();
      ports.add(port);
      nodes.add(await(ClusterNode.start(m, config(port), LedgerOptions.DEFAULT)));
    }
  }

  @AfterEach
  void stop() {
    for (ClusterNode n : nodes) {
      try {
        await(n.shutdown(500));
      } catch (RuntimeException e) {
        // already stopped
      }
    }
    await(client.close());
  }

  private static GatewayConfig config(int port) {
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", port).put("drain_timeout_ms", 500))
        .put("pools", new JsonObject().put("p", new JsonObject().put("instances", new JsonArray().add(new JsonObject()
            .put("id", "m").put("provider", "mock").put("max_concurrency", 8)
            .put("mock", new JsonObject().put("latency_ms", 5).put("tokens_per_second", 100_000))))))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  @Test
  void oneNodesConsoleShowsTheWholeCluster() {
    AtomicReference<JsonObject> lastView = new AtomicReference<>();
    Map<Long, Long> okBySecond = new ConcurrentHashMap<>();
    HttpClient http = client.createHttpClient();
    SseFramer framer = new SseFramer();
    await(http.request(HttpMethod.GET, ports.get(0), "127.0.0.1", ConsoleRoutes.STREAM_PATH)
        .compose(req -> req.send()).map(resp -> resp.handler(bytes -> {
          for (SseEvent e : framer.push(bytes)) {
            if ("view".equals(e.event())) {
              JsonObject view = new JsonObject(e.data());
              JsonObject series = view.getJsonObject("series");
              JsonArray ok = series.getJsonObject("pools").getJsonObject("p").getJsonArray("ok");
              for (int i = 0; i < ok.size(); i++) {
                okBySecond.put(series.getLong("from") + i, ok.getLong(i));
              }
              lastView.set(view);
            }
          }
        })));

    // 12 requests, all on node B
    WebClient web = WebClient.create(client);
    JsonObject body = new JsonObject().put("model", "p").put("max_tokens", 2)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      sent.add(web.post(ports.get(1), "127.0.0.1", "/v1/chat/completions").timeout(10_000).sendJsonObject(body));
    }
    Await.await(Future.all(sent), Duration.ofSeconds(20));
    sent.forEach(f -> assertEquals(200, f.result().statusCode()));

    Await.until("node A's console counts node B's 12 requests", Duration.ofSeconds(10),
        () -> okBySecond.values().stream().mapToLong(Long::longValue).sum() == 12);
    JsonArray shown = lastView.get().getJsonArray("members");
    assertEquals(2, shown.size(), shown.encodePrettily());
    for (Object o : shown) {
      JsonObject m = (JsonObject) o;
      assertEquals("up", m.getString("state"), shown.encodePrettily());
      assertTrue(ports.stream().anyMatch(p -> m.getString("address").equals("127.0.0.1:" + p)), m.encode());
      assertTrue(m.getLong("uptime_ms") > 0, m.encode());
    }

    await(nodes.get(1).shutdown(500));
    Await.until("node B is shown as gone", Duration.ofSeconds(20), () -> {
      JsonArray now = lastView.get().getJsonArray("members");
      return now.stream().map(o -> (JsonObject) o).anyMatch(m -> "gone".equals(m.getString("state"))
          && m.getString("address").equals("127.0.0.1:" + ports.get(1)) && m.getLong("left_at") != null);
    });
    http.close();
  }
}
