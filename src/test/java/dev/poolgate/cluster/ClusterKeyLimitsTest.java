package dev.poolgate.cluster;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.testing.FakeOpenAi;
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

import static dev.poolgate.cluster.ClusterGatewayTest.eventually;
import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client key's {@code max_concurrency} is global across nodes: two requests held on node A
 * leave node B nothing to give; and when A dies its permits come back by failure detection.
 */
class ClusterKeyLimitsTest {
  private static final String KEY = "sk-shared-0123456789";
  private Vertx client;
  private WebClient web;
  private FakeOpenAi upstream;
  private List<ClusterNode.Member> members;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  @BeforeEach
  void start() {
    client = Vertx.vertx();
    web = WebClient.create(client, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(20));
    upstream = await(FakeOpenAi.start(client));
    members = TestCluster.start(2);
    for (ClusterNode.Member m : members) {
      int port = TestCluster.freePort();
      ports.add(port);
      nodes.add(await(ClusterNode.start(m, config(port, upstream.port()), LedgerOptions.DEFAULT)));
    }
  }

  @AfterEach
  void stop() {
    upstream.release();
    TestCluster.stop(members);
    await(client.close());
  }

  private static GatewayConfig config(int httpPort, int upstreamPort) {
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("drain_timeout_ms", 1_000))
        .put("pools", new JsonObject().put("chat", new JsonObject()
            .put("queue", new JsonObject().put("max_size", 100).put("timeout_ms", 30_000))
            .put("instances", new JsonArray().add(new JsonObject()
                .put("id", "fake-upstream").put("provider", "openai")
                .put("base_url", "http://127.0.0.1:" + upstreamPort + "/v1").put("api_key", "sk-test")
                .put("model", "fake-model").put("max_concurrency", 10)))))
        .put("keys", new JsonObject().put("shared", new JsonObject().put("key", KEY).put("max_concurrency", 2)))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  private Future<HttpResponse<Buffer>> chat(int node) {
    return web.post(ports.get(node), "127.0.0.1", "/v1/chat/completions").bearerTokenAuthentication(KEY)
        .sendJsonObject(new JsonObject().put("model", "chat")
            .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))));
  }

  private int inFlight(int node) {
    return await(nodes.get(node).gateway().node().keyLimiter().inFlight("shared"));
  }

  @Test
  void maxConcurrencyIsGlobalAcrossNodes() {
    upstream.hold();
    List<Future<HttpResponse<Buffer>>> onA = List.of(chat(0), chat(0));
    eventually(() -> upstream.inFlight() == 2);
    assertEquals(2, inFlight(1), "node B sees node A's permits");
    HttpResponse<Buffer> refused = await(chat(1));
    assertEquals(429, refused.statusCode(), refused.bodyAsString());
    assertEquals("rate_limit_exceeded", refused.bodyAsJsonObject().getJsonObject("error").getString("code"));
    assertEquals("1", refused.getHeader("retry-after"));
    assertEquals(2, upstream.requests(), "the refused request never reached the upstream");

    upstream.release();
    for (Future<HttpResponse<Buffer>> f : onA) {
      assertEquals(200, await(f).statusCode());
    }
    eventually(() -> inFlight(1) == 0);
    assertEquals(200, await(chat(1)).statusCode(), "after the release node B accepts");
    eventually(() -> inFlight(0) == 0);
  }

  @Test
  void withoutItsStoreANodeRefusesLimitedKeys() {
    members.get(0).hz().getLifecycleService().terminate();
    HttpResponse<Buffer> refused = await(chat(0));
    assertEquals(503, refused.statusCode(), refused.bodyAsString());
    assertEquals("cluster_store_unavailable", refused.bodyAsJsonObject().getJsonObject("error").getString("code"));
    assertEquals(0, upstream.requests(), "fail closed: nothing admitted without the count");
  }

  @Test
  void aKilledNodesPermitsComeBack() {
    // both replicas in place first: a member killed while partitions still migrate takes entries with it
    eventually(() -> members.get(0).hz().getPartitionService().isClusterSafe()
        && members.get(1).hz().getPartitionService().isClusterSafe());
    upstream.hold();
    chat(0);
    chat(0);
    eventually(() -> upstream.inFlight() == 2);
    assertEquals(429, await(chat(1)).statusCode());

    long killedAt = System.currentTimeMillis();
    TestCluster.kill(members.get(0));
    upstream.release();
    eventually(() -> inFlight(1) == 0);
    long freedIn = System.currentTimeMillis() - killedAt;
    assertTrue(freedIn < TestCluster.MAX_NO_HEARTBEAT_SECONDS * 1000L + 6_000,
        "the dead node's permits came back after " + freedIn + " ms");
    HttpResponse<Buffer> after = await(chat(1));
    assertEquals(200, after.statusCode(), after.bodyAsString());
    members.remove(0);
  }
}
