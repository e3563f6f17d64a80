package dev.poolgate.cluster;

import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.AbstractSlotLedger;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.PrivateState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three gateway nodes in front of one instance big enough to be allotted (cap 40): the nodes serve
 * from their units while the pool has room, the upstream never sees more than the cap when the
 * load goes past it, and a node killed while it holds units gives them back by failure detection.
 */
class ClusterAllotmentTest {
  private static final int CAP = 40;
  private Vertx client;
  private FakeOpenAi upstream;
  private List<ClusterNode.Member> members;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  @BeforeEach
  void start() {
    client = Vertx.vertx();
    upstream = await(FakeOpenAi.start(client)).latency(40);
    members = TestCluster.start(3);
    for (ClusterNode.Member m : members) {
      int port = TestCluster.freePort();
      ports.add(port);
      nodes.add(await(ClusterNode.start(m, config(port, upstream.port()), LedgerOptions.DEFAULT)));
    }
  }

  @AfterEach
  void stop() {
    TestCluster.stop(members);
    await(client.close());
  }

  private static GatewayConfig config(int httpPort, int upstreamPort) {
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("drain_timeout_ms", 1_000))
        .put("pools", new JsonObject().put("chat", new JsonObject()
            .put("queue", new JsonObject().put("max_size", 1000).put("timeout_ms", 30_000))
            .put("instances", new JsonArray().add(new JsonObject()
                .put("id", "big").put("provider", "openai")
                .put("base_url", "http://127.0.0.1:" + upstreamPort + "/v1").put("api_key", "sk-test")
                .put("model", "fake-model").put("max_concurrency", CAP)))))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  @Test
  void unitsServeBelowTheCapAndTheCapHoldsAboveIt() {
    WebClient web = WebClient.create(client, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(200));
    Random random = new Random(7);
    for (int wave = 0; wave < 6; wave++) {
      // waves below, then well above the cap, spread over the nodes
      int n = wave % 2 == 0 ? 20 : 120;
      List<Future<HttpResponse<Buffer>>> replies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        replies.add(ClusterGatewayTest.chat(web, ports.get(random.nextInt(3))));
      }
      await(Future.join(replies));
      for (Future<HttpResponse<Buffer>> r : replies) {
        assertTrue(r.succeeded(), "request failed: " + r.cause());
        assertEquals(200, r.result().statusCode(), r.result().bodyAsString());
      }
    }
    assertTrue(upstream.maxInFlight() <= CAP, "upstream saw " + upstream.maxInFlight() + " at once");
    assertTrue(upstream.maxInFlight() >= CAP - 5, "the load reached the cap: " + upstream.maxInFlight());
    assertTrue(nodes.stream().anyMatch(n -> ((AbstractSlotLedger) n.ledger()).allotmentView().containsKey("chat")),
        "the nodes took units");
    ClusterGatewayTest.eventually(() -> {
      PoolSnapshot p = pool(nodes.get(0));
      return p.inFlight() == 0 && p.queued() == 0 && p.unclaimedGrants() == 0;
    });
    ClusterGatewayTest.eventually(() -> nodes.stream().allMatch(
        n -> ((AbstractSlotLedger) n.ledger()).allotmentView().getOrDefault("chat", new int[2])[0] == 0));
  }

  @Test
  void aKilledNodesUnitsComeBackByFailureDetection() {
    WebClient web = WebClient.create(client, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(200));
    upstream.latency(60_000);
    int victim = 2;
    List<Future<HttpResponse<Buffer>>> doomed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      doomed.add(ClusterGatewayTest.chat(web, ports.get(victim)));
    }
    ClusterGatewayTest.eventually(() -> upstream.inFlight() == 20);
    ClusterGatewayTest.eventually(() -> ((AbstractSlotLedger) nodes.get(victim).ledger()).allotmentView()
        .getOrDefault("chat", new int[2])[0] > 0);
    TestCluster.kill(members.get(victim));
    members.remove(victim);
    ClusterGatewayTest.eventually(() -> pool(nodes.get(0)).inFlight() == 0);
    // the whole cap is usable again from the survivors
    upstream.latency(200);
    List<Future<HttpResponse<Buffer>>> replies = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      replies.add(ClusterGatewayTest.chat(web, ports.get(i % 2)));
    }
    ClusterGatewayTest.eventually(() -> upstream.inFlight() >= 20 + CAP - 2 || replies.stream().allMatch(Future::isComplete));
    await(Future.join(replies));
    replies.forEach(r -> assertEquals(200, r.result().statusCode()));
    await(Future.join(doomed).otherwiseEmpty());
  }

  private static PoolSnapshot pool(ClusterNode node) {
    return ClusterGatewayTest.pool(node.ledger(), "chat");
  }
}
