package dev.poolgate.cluster;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.testing.Await;
import dev.poolgate.testing.FakeOpenAi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Node B's load, status and metrics endpoints report the slots node A's requests hold. */
class ClusterLoadReportTest {
  static final int CAP = 5;
  private static Vertx client;
  private static FakeOpenAi upstream;
  private static List<ClusterNode.Member> members;
  private static final List<ClusterNode> nodes = new ArrayList<>();
  private static final List<Integer> httpPorts = new ArrayList<>();

  @BeforeAll
  static void start() {
    // a re-run (surefire retries a failed class) starts from scratch
    nodes.clear();
    httpPorts.clear();
    client = Vertx.vertx();
    upstream = await(FakeOpenAi.start(client));
    members = TestCluster.start(2);
    for (ClusterNode.Member m : members) {
      int port = TestCluster.freePort();
      httpPorts.add(port);
      nodes.add(await(ClusterNode.start(m, config(port, upstream.port()), LedgerOptions.DEFAULT)));
    }
  }

  @AfterAll
  static void stop() {
    upstream.release();
    nodes.forEach(n -> await(n.shutdown(1_000)));
    await(client.close());
  }

  static GatewayConfig config(int httpPort, int upstreamPort) {
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("drain_timeout_ms", 1_000))
        .put("pools", new JsonObject().put("chat", new JsonObject()
            .put("queue", new JsonObject().put("max_size", 100).put("timeout_ms", 30_000))
            .put("instances", new JsonArray().add(new JsonObject()
                .put("id", "shared").put("provider", "openai")
                .put("base_url", "http://127.0.0.1:" + upstreamPort + "/v1").put("api_key", "sk-cluster-0000wxyz")
                .put("model", "fake-model").put("max_concurrency", CAP)))))
        .put("models", new JsonObject().put("gpt-test", "chat"))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  private static JsonObject get(WebClient web, int port, String path) {
    HttpResponse<Buffer> resp = await(web.get(port, "127.0.0.1", path).send());
    assertEquals(200, resp.statusCode(), path + " → " + resp.bodyAsString());
    return resp.bodyAsJsonObject();
  }

  @Test
  void nodeBReportsTheSlotsOfNodeA() {
    WebClient web = WebClient.create(client);
    upstream.hold();
    int nodeA = httpPorts.get(0);
    int nodeB = httpPorts.get(1);
    List<Future<HttpResponse<Buffer>>> replies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replies.add(web.post(nodeA, "127.0.0.1", "/v1/chat/completions").sendJsonObject(new JsonObject()
          .put("model", "gpt-test").put("messages", new JsonArray()
              .add(new JsonObject().put("role", "user").put("content", "from A " + i)))));
    }
    Await.until("node A's 3 requests at the upstream", () -> upstream.inFlight() == 3);

    assertEquals(60.0, get(web, nodeB, "/llm/system-load").getDouble("load_percent"), "3 of 5 slots, seen from B");
    assertEquals(3, get(web, nodeB, "/llm/model-load/gpt-test").getInteger("current"));
    assertEquals(3, get(web, nodeB, "/llm/key-load/gpt-test/sk-...wxyz").getInteger("current"));
    assertEquals(3, get(web, nodeB, "/v1/providers/status").getJsonArray("providers").getJsonObject(0)
        .getInteger("in_flight"));
    assertEquals(3, get(web, nodeB, "/health/detailed").getJsonArray("pools").getJsonObject(0)
        .getInteger("in_flight"));
    String metrics = await(web.get(nodeB, "127.0.0.1", "/metrics").send()).bodyAsString();
    assertTrue(metrics.contains("poolgate_slots_in_use{instance=\"shared\",pool=\"chat\"} 3.0"), metrics);

    upstream.release();
    for (Future<HttpResponse<Buffer>> r : replies) {
      assertEquals(200, await(r).statusCode());
    }
    Await.until("B sees every slot back", () -> get(web, nodeB, "/llm/system-load").getDouble("load_percent") == 0.0);
  }
}
