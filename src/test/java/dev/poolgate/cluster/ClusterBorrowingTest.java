package dev.poolgate.cluster;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.SlotLedger;
import dev.poolgate.scheduling.PoolSnapshot;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Two gateways on one cluster, {@code large: { lend_to: [small] }}: a slot borrowed through one
 * node is a lease in large's shared entry, so the other node counts it against large's cap.
 */
class ClusterBorrowingTest {
  private static Vertx client;
  private static FakeOpenAi smallUpstream;
  private static FakeOpenAi largeUpstream;
  private static List<ClusterNode.Member> members;
  private static final List<ClusterNode> nodes = new ArrayList<>();
  private static final List<Integer> httpPorts = new ArrayList<>();

  @BeforeAll
  static void start() {
    // a re-run (surefire retries a failed class) starts from scratch
    nodes.clear();
    httpPorts.clear();
    client = Vertx.vertx();
    smallUpstream = await(FakeOpenAi.start(client));
    largeUpstream = await(FakeOpenAi.start(client));
    members = TestCluster.start(2);
    for (ClusterNode.Member m : members) {
      int port = TestCluster.freePort();
      httpPorts.add(port);
      nodes.add(await(ClusterNode.start(m, config(port), LedgerOptions.DEFAULT)));
    }
  }

  @AfterAll
  static void stop() {
    smallUpstream.release();
    largeUpstream.release();
    nodes.forEach(n -> await(n.shutdown(1_000)));
    await(client.close());
  }

  private static GatewayConfig config(int httpPort) {
    JsonObject queue = new JsonObject().put("max_size", 100).put("timeout_ms", 30_000);
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("drain_timeout_ms", 1_000))
        .put("pools", new JsonObject()
            .put("large", new JsonObject().put("queue", queue).put("lend_to", new JsonArray().add("small"))
                .put("instances", new JsonArray().add(instance("L", largeUpstream, "large-upstream", 2))))
            .put("small", new JsonObject().put("queue", queue)
                .put("instances", new JsonArray().add(instance("s", smallUpstream, "small-upstream", 1)))))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  private static JsonObject instance(String id, FakeOpenAi upstream, String model, int cap) {
    return new JsonObject().put("id", id).put("provider", "openai").put("base_url", upstream.baseUrl())
        .put("api_key", "sk-test").put("model", model).put("max_concurrency", cap);
  }

  private static Future<HttpResponse<Buffer>> chat(WebClient web, int node, String pool, String prompt) {
    return web.post(httpPorts.get(node), "127.0.0.1", "/v1/chat/completions")
        .sendJsonObject(new JsonObject().put("model", pool)
            .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt))));
  }

  private static PoolSnapshot pool(int node, String name) {
    SlotLedger ledger = nodes.get(node).ledger();
    return await(ledger.snapshot()).stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aBorrowedSlotIsCountedInTheSharedLedgerOnEveryNode() {
    WebClient web = WebClient.create(client, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(10));
    smallUpstream.hold();
    largeUpstream.hold();

    Future<HttpResponse<Buffer>> home = chat(web, 0, "small", "home");
    ClusterGatewayTest.eventually(() -> smallUpstream.requests() == 1);
    Future<HttpResponse<Buffer>> lent = chat(web, 1, "small", "lent");
    ClusterGatewayTest.eventually(() -> largeUpstream.requests() == 1);
    // node 0 sees the slot node 1 borrowed: it is a lease in large's shared entry
    assertEquals(1, pool(0, "large").inFlight());
    assertEquals(1, pool(0, "small").inFlight());

    Future<HttpResponse<Buffer>> own1 = chat(web, 0, "large", "own-1");
    ClusterGatewayTest.eventually(() -> largeUpstream.requests() == 2);
    // large's cap of 2 holds one borrowed and one own request, whichever node asks next waits
    Future<HttpResponse<Buffer>> own2 = chat(web, 1, "large", "own-2");
    ClusterGatewayTest.eventually(() -> pool(0, "large").queued() == 1);
    Future<HttpResponse<Buffer>> lent2 = chat(web, 0, "small", "lent-2");
    ClusterGatewayTest.eventually(() -> pool(1, "small").queued() == 1);
    assertEquals(2, pool(1, "large").inFlight());
    assertEquals(2, largeUpstream.inFlight(), "nothing beyond large's cap reached its upstream");

    largeUpstream.release();
    await(Future.all(lent, own1, own2));
    smallUpstream.release();
    await(Future.all(home, lent2));

    HttpResponse<Buffer> lentReply = lent.result();
    assertEquals(200, lentReply.statusCode(), lentReply.bodyAsString());
    assertEquals("L", lentReply.getHeader("x-poolgate-instance"));
    assertEquals("large", lentReply.getHeader("x-poolgate-borrowed"));
    for (Future<HttpResponse<Buffer>> own : List.of(own1, own2)) {
      assertEquals(200, own.result().statusCode());
      assertNull(own.result().getHeader("x-poolgate-borrowed"));
    }
    assertEquals(200, home.result().statusCode());
    assertEquals(200, lent2.result().statusCode());
    assertEquals(2, largeUpstream.maxInFlight(), "large's cap held across both nodes");
    assertEquals(1, smallUpstream.maxInFlight());
    int borrowedCalls = (int) largeUpstream.bodies().stream()
        .filter(b -> "large-upstream".equals(b.getString("model"))).count();
    assertEquals(largeUpstream.requests(), borrowedCalls, "large's model went upstream for every call to L");
    ClusterGatewayTest.eventually(() -> {
      PoolSnapshot large = pool(1, "large");
      PoolSnapshot small = pool(0, "small");
      return large.inFlight() == 0 && large.queued() == 0 && large.unclaimedGrants() == 0
          && small.inFlight() == 0 && small.queued() == 0 && small.unclaimedGrants() == 0;
    });
  }
}
