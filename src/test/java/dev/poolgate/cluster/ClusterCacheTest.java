package dev.poolgate.cluster;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cluster's response cache: an answer cached through node A is a hit on node B. */
class ClusterCacheTest {

  static GatewayConfig config(int port) {
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("pools", new JsonObject().put("small", new JsonObject()
            .put("cache", new JsonObject().put("ttl_s", 60).put("max_entries", 100))
            .put("instances", new JsonArray().add(new JsonObject().put("id", "cached-mock").put("provider", "mock")
                .put("max_concurrency", 2).put("mock", new JsonObject().put("latency_ms", 5))))))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  @Test
  void missOnOneNodeIsAHitOnTheOther() {
    List<ClusterNode.Member> members = TestCluster.start(2);
    List<ClusterNode> nodes = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    Vertx client = Vertx.vertx();
    try {
      for (ClusterNode.Member m : members) {
        int port = TestCluster.freePort();
        ports.add(port);
        nodes.add(await(ClusterNode.start(m, config(port), LedgerOptions.DEFAULT)));
      }
      WebClient web = WebClient.create(client);
      JsonObject request = new JsonObject().put("model", "small").put("temperature", 0)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "cache me")));
      HttpResponse<Buffer> onA = await(web.post(ports.get(0), "127.0.0.1", "/v1/chat/completions").sendJsonObject(request));
      assertEquals("miss", onA.getHeader("x-poolgate-cache"));
      // the put is asynchronous: poll node B until the entry is visible (bounded)
      String onB = null;
      for (int i = 0; i < 50 && !"hit".equals(onB); i++) {
        onB = await(web.post(ports.get(1), "127.0.0.1", "/v1/chat/completions").sendJsonObject(request))
            .getHeader("x-poolgate-cache");
        if (!"hit".equals(onB)) {
          await(client.timer(50));
        }
      }
      assertEquals("hit", onB);
    } finally {
      nodes.forEach(n -> await(n.shutdown(1_000)));
      await(client.close());
    }
  }
}
