package dev.poolgate.cluster;

import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.testing.Await;
import dev.poolgate.usage.UsageVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Usage in a cluster: two gateway nodes, each with its own embedded database (or one shared
 * database), and a third member without a gateway (as an application using the event-bus API).
 */
class ClusterUsageTest {
  static final String ADMIN_TOKEN = "admin-token-0123456789";

  @TempDir
  Path dir;
  private Vertx client;
  private WebClient web;
  private List<ClusterNode.Member> members;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  @BeforeEach
  void start() {
    client = Vertx.vertx();
    web = WebClient.create(client);
    members = TestCluster.start(3);
  }

  @AfterEach
  void stop() {
    nodes.forEach(n -> await(n.shutdown(1_000)));
    TestCluster.stop(members);
    await(client.close());
  }

  /** The same pools on every node; the HTTP port and the usage database may differ. */
  static GatewayConfig config(int httpPort, JsonObject usage) {
    return ConfigLoader.parse(new JsonObject()
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("drain_timeout_ms", 1_000))
        .put("pools", new JsonObject().put("chat", new JsonObject().put("instances", new JsonArray().add(
            new JsonObject().put("id", "mock").put("provider", "mock").put("max_concurrency", 8)
                .put("mock", new JsonObject().put("latency_ms", 1))))))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000))
        .put("admin", new JsonObject().put("token", ADMIN_TOKEN))
        .put("usage", usage));
  }

  /** Gateways on the first two members. */
  void startGateways(JsonObject usageOfNode0, JsonObject usageOfNode1) {
    for (JsonObject usage : List.of(usageOfNode0, usageOfNode1)) {
      int port = TestCluster.freePort();
      ports.add(port);
      nodes.add(await(ClusterNode.start(members.get(nodes.size()), config(port, usage), LedgerOptions.DEFAULT)));
    }
  }

  void chat(int node, int times) {
    List<Future<HttpResponse<Buffer>>> replies = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      replies.add(web.post(ports.get(node), "127.0.0.1", "/v1/chat/completions").sendJsonObject(new JsonObject()
          .put("model", "chat").put("messages", new JsonArray().add(new JsonObject().put("role", "user")
              .put("content", "hi")))));
    }
    for (HttpResponse<Buffer> reply : await(Future.all(replies)).<HttpResponse<Buffer>>list()) {
      assertEquals(200, reply.statusCode(), reply.bodyAsString());
    }
  }

  JsonObject usage(int node) {
    HttpResponse<Buffer> resp = await(web.get(ports.get(node), "127.0.0.1", "/admin/usage")
        .bearerTokenAuthentication(ADMIN_TOKEN).send());
    assertEquals(200, resp.statusCode(), resp.bodyAsString());
    return resp.bodyAsJsonObject();
  }

  /** The id the cluster manager lists the member under (not the Hazelcast member UUID). */
  static String nodeId(ClusterNode.Member m) {
    return ((io.vertx.core.internal.VertxInternal) m.vertx()).clusterManager().getNodeId();
  }

  @Test
  void eachNodeRecordsItsOwnAndEitherAnswersWithTheSum() {
    startGateways(new JsonObject().put("jdbc_url", "jdbc:h2:file:" + dir.resolve("node-0")),
        new JsonObject().put("jdbc_url", "jdbc:h2:file:" + dir.resolve("node-1")));
    chat(0, 2);
    chat(1, 3);

    for (int node = 0; node < 2; node++) {
      int asked = node;
      // a request is counted when its exchange has ended, a moment after the client has the last byte
      JsonObject usage = Await.until("node " + node + " counts all 5 requests", () -> usage(asked),
          u -> u.getJsonObject("totals").getLong("requests") == 5);
      assertEquals(1, usage.getJsonArray("rows").size(), usage::encodePrettily);
      JsonObject row = usage.getJsonArray("rows").getJsonObject(0);
      assertEquals("anonymous", row.getString("client_key"));
      assertEquals("chat", row.getString("model"));
      assertEquals(5, row.getLong("requests"), "node " + node + " sums both nodes: " + usage.encodePrettily());
      assertEquals(usage.getJsonObject("totals").getLong("tokens_out"), row.getLong("tokens_out"));
      assertEquals(new JsonArray(), usage.getJsonArray("missing_nodes"),
          "the member without a gateway records no usage and is not missing");
    }

    // a member that takes the question but never answers is reported, and the others still count
    ClusterNode.Member silent = members.get(2);
    await(silent.vertx().eventBus().consumer(UsageVerticle.address(nodeId(silent)), msg -> { }).completion());
    // the other members learn of the new consumer a moment later; until then it has none
    JsonObject usage = Await.until("the silent member is asked and reported missing",
        () -> usage(0), u -> !u.getJsonArray("missing_nodes").isEmpty());
    assertEquals(new JsonArray().add(nodeId(silent)), usage.getJsonArray("missing_nodes"));
    assertEquals(5, usage.getJsonObject("totals").getLong("requests"));
  }

  @Test
  void withASharedDatabaseTheNodeReadsItInsteadOfAskingEveryNode() {
    // one H2 database both nodes write to, as they would to PostgreSQL; asking every node would count it twice
    JsonObject shared = new JsonObject().put("jdbc_url", "jdbc:h2:file:" + dir.resolve("shared")).put("shared", true)
        .put("flush_ms", 50);
    startGateways(shared, shared);
    chat(0, 2);
    chat(1, 3);

    Await.until("node 1's counts are written to the shared database",
        () -> usage(0).getJsonObject("totals").getLong("requests") == 5);
    JsonObject usage = usage(1);
    assertEquals(5, usage.getJsonObject("totals").getLong("requests"), usage::encodePrettily);
    assertEquals(1, usage.getJsonArray("rows").size(), usage::encodePrettily);
  }
}
