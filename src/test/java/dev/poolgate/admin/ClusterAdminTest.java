package dev.poolgate.admin;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.admin.AdminClient.ENV;
import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three clustered nodes, each with its own state directory: a change on one is served by the
 * others within a second, concurrent changes on two nodes both survive, and after every node
 * restarts (a fresh cluster, the same files and state directories) the changes are still there.
 */
class ClusterAdminTest {
  private static final int NODES = 3;
  @TempDir
  Path stateRoot;
  private Vertx client;
  private WebClient web;
  private List<ClusterNode> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  @BeforeEach
  void setUp() {
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterEach
  void tearDown() {
    stopAll();
    await(client.close());
  }

  /** Node i's config file: the same pools everywhere, its own port and state directory. */
  private JsonObject file(int i) {
    JsonObject cfg = AdminClient.config();
    cfg.put("server", new JsonObject().put("host", "127.0.0.1").put("port", ports.get(i)).put("drain_timeout_ms", 500));
    cfg.getJsonObject("admin").put("state_dir", stateRoot.resolve("node" + i).toString());
    return PrivateState.of(cfg);
  }

  /** Starts every node; HTTP ports are picked afresh (server.* is node-local, not admin state). */
  private void startAll() {
    List<ClusterNode.Member> members = TestCluster.start(NODES);
    ports.clear();
    for (int i = 0; i < NODES; i++) {
      ports.add(TestCluster.freePort());
    }
    nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      ClusterNode.Member m = members.get(i);
      int n = i;
      nodes.add(await(AdminState.open(m.vertx(), file(n), new HazelcastConfigStore(m.vertx(), m.hz()), ENV)
          .compose(admin -> ClusterNode.start(m, admin, LedgerOptions.DEFAULT))));
    }
  }

  private void stopAll() {
    for (ClusterNode node : nodes) {
      try {
        await(node.shutdown(500));
      } catch (RuntimeException e) {
        // already stopped
      }
    }
    nodes = new ArrayList<>();
  }

  private AdminState admin(int i) {
    return nodes.get(i).gateway().node().admin();
  }

  private Future<HttpResponse<Buffer>> send(int node, io.vertx.core.http.HttpMethod method, String path, JsonObject body) {
    var request = web.request(method, ports.get(node), "127.0.0.1", path).timeout(10_000)
        .putHeader("authorization", "Bearer " + AdminClient.TOKEN);
    return body == null ? request.send() : request.sendJsonObject(body);
  }

  private int status(int node, io.vertx.core.http.HttpMethod method, String path, JsonObject body) {
    return await(send(node, method, path, body)).statusCode();
  }

  private int chat(int node, String model) {
    JsonObject body = new JsonObject().put("model", model).put("max_tokens", 2).put("messages",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return await(web.post(ports.get(node), "127.0.0.1", "/v1/chat/completions").timeout(10_000).sendJsonObject(body))
        .statusCode();
  }

  private boolean hasChange(int i) {
    InstanceConfig q1 = admin(i).config().instances().get("q1");
    return q1.weight() == 5 && q1.maxConcurrency() == 3 && "q".equals(admin(i).config().models().get("fast"));
  }

  @Test
  void aChangeOnOneNodeReachesEveryNodeAndSurvivesARestartOfAll() {
    startAll();
    assertEquals(404, chat(1, "fast"));

    assertEquals(200, status(0, io.vertx.core.http.HttpMethod.PATCH, "/admin/pools/q/instances/q1",
        new JsonObject().put("weight", 5).put("max_concurrency", 3)));
    assertEquals(201, status(0, io.vertx.core.http.HttpMethod.POST, "/admin/models",
        new JsonObject().put("name", "fast").put("pool", "q")));
    // a node's admin state takes the change first; its ingress applies it on its own event loop a
    // moment later, so what the second bounds is the alias being served, not the state alone
    Await.until("nodes B and C serve the new alias within a second", Duration.ofSeconds(1),
        () -> hasChange(1) && hasChange(2) && chat(1, "fast") == 200 && chat(2, "fast") == 200);
    assertEquals(2, admin(2).version());

    // two nodes change at once: both changes are kept (compare-and-set, retried)
    Future<HttpResponse<Buffer>> onA = send(0, io.vertx.core.http.HttpMethod.POST, "/admin/models",
        new JsonObject().put("name", "from-a").put("pool", "p"));
    Future<HttpResponse<Buffer>> onB = send(1, io.vertx.core.http.HttpMethod.POST, "/admin/models",
        new JsonObject().put("name", "from-b").put("pool", "q"));
    assertEquals(201, await(onA).statusCode());
    assertEquals(201, await(onB).statusCode());
    Await.until("every node has both", Duration.ofSeconds(2), () -> {
      for (int i = 0; i < NODES; i++) {
        var models = admin(i).config().models();
        if (!models.containsKey("from-a") || !models.containsKey("from-b") || admin(i).version() != 4) {
          return false;
        }
      }
      return true;
    });
    JsonObject before = admin(0).document().config();
    assertTrue(admin(1).config().admin().stateDir().endsWith("node1"), "admin.state_dir stays node-local");

    stopAll();
    startAll();
    for (int i = 0; i < NODES; i++) {
      assertEquals(4, admin(i).version(), "node " + i + " runs the persisted admin document");
      assertTrue(hasChange(i), "node " + i + " kept the change");
      assertTrue(admin(i).config().models().containsKey("from-a") && admin(i).config().models().containsKey("from-b"));
      assertEquals(200, chat(i, "fast"));
    }
    JsonObject after = admin(0).document().config();
    before.remove("server");
    after.remove("server");
    assertEquals(before, after, "the same document, apart from the node's new port");
  }
}
