package dev.poolgate.cluster;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.testing.FakeOpenAi;

import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.SlotLedger;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three full gateways on one cluster, one slow upstream: one global cap, one shared queue. */
class ClusterGatewayTest {
  static final int CAP = 4;
  private static Vertx client;
  private static FakeOpenAi upstream;
  private static List<ClusterNode.Member> members;
  private static final List<ClusterNode> nodes = new ArrayList<>();
  private static final List<Integer> httpPorts = new ArrayList<>();
  private static int upstreamPort;

  @BeforeAll
  static void start() {
    // a re-run (surefire retries a failed class) starts from scratch
    nodes.clear();
    httpPorts.clear();
    client = Vertx.vertx();
    upstream = await(FakeOpenAi.start(client)).latency(300);
    upstreamPort = upstream.port();
    members = TestCluster.start(3);
    for (ClusterNode.Member m : members) {
      int port = TestCluster.freePort();
      httpPorts.add(port);
      nodes.add(await(ClusterNode.start(m, config(port, upstreamPort), LedgerOptions.DEFAULT)));
    }
  }

  @AfterAll
  static void stop() {
    nodes.forEach(n -> await(n.shutdown(1_000)));
    await(client.close());
  }

  /** The same pools on every node; only the HTTP port differs. */
  static GatewayConfig config(int httpPort, int upstreamPort) {
    JsonObject queue = new JsonObject().put("max_size", 1000).put("timeout_ms", 30_000);
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("drain_timeout_ms", 1_000))
        .put("pools", new JsonObject()
            .put("chat", new JsonObject().put("queue", queue).put("instances", new JsonArray().add(new JsonObject()
                .put("id", "fake-upstream").put("provider", "openai")
                .put("base_url", "http://127.0.0.1:" + upstreamPort + "/v1").put("api_key", "sk-test")
                .put("model", "fake-model").put("max_concurrency", CAP))))
            .put("prio", new JsonObject().put("queue", queue).put("instances", new JsonArray().add(new JsonObject()
                .put("id", "prio-mock").put("provider", "mock").put("max_concurrency", 1)
                .put("mock", new JsonObject().put("latency_ms", 1))))))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  static Future<HttpResponse<Buffer>> chat(WebClient web, int port) {
    return web.post(port, "127.0.0.1", "/v1/chat/completions")
        .sendJsonObject(new JsonObject().put("model", "chat")
            .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))));
  }

  @Test
  void globalCapHoldsAcrossNodes() {
    WebClient web = WebClient.create(client, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(60));
    upstream.clearRecords();
    List<Future<HttpResponse<Buffer>>> replies = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      replies.add(chat(web, httpPorts.get(i % 3)));
    }
    await(Future.join(replies));
    for (Future<HttpResponse<Buffer>> r : replies) {
      assertTrue(r.succeeded(), "request failed: " + r.cause());
      assertEquals(200, r.result().statusCode(), r.result().bodyAsString());
      assertEquals("Hello from the fake.", r.result().bodyAsJsonObject().getJsonArray("choices").getJsonObject(0)
          .getJsonObject("message").getString("content"));
    }
    assertTrue(upstream.maxInFlight() <= CAP, "upstream saw " + upstream.maxInFlight() + " requests at once");
    assertEquals(CAP, upstream.maxInFlight(), "the cap was never used fully");
    // a slot is released after its answer's last byte was written, so the client may see the
    // answer a moment before the store records the release
    dev.poolgate.testing.Await.until("every slot released and nothing queued", () -> {
      PoolSnapshot chat = pool(nodes.get(0).ledger(), "chat");
      return chat.inFlight() == 0 && chat.queued() == 0;
    });
  }

  @Test
  void queuedTicketsOnDifferentNodesAreGrantedInPriorityOrder() {
    SlotLedger first = nodes.get(0).ledger();
    Lease holder = await(first.acquire(request(5)));
    // queued one by one, from different nodes, in an order that is not the priority order
    Map<String, Future<Lease>> waiting = new LinkedHashMap<>();
    int[] priorities = {1, 9, 5, 9, 0, 7};
    for (int i = 0; i < priorities.length; i++) {
      SlotLedger ledger = nodes.get(i % 3).ledger();
      String name = "node" + (i % 3) + "-p" + priorities[i] + "-" + i;
      waiting.put(name, ledger.acquire(request(priorities[i])));
      int queued = i + 1;
      eventually(() -> pool(first, "prio").queued() == queued);
    }
    await(first.release(holder, Outcome.SUCCESS, null));
    List<String> order = new ArrayList<>();
    while (order.size() < waiting.size()) {
      eventually(() -> waiting.entrySet().stream().anyMatch(e -> !order.contains(e.getKey()) && e.getValue().isComplete()));
      String next = waiting.entrySet().stream().filter(e -> !order.contains(e.getKey()) && e.getValue().isComplete())
          .map(Map.Entry::getKey).findFirst().orElseThrow();
      order.add(next);
      Lease lease = await(waiting.get(next));
      SlotLedger owner = nodes.stream().map(ClusterNode::ledger).filter(l -> l.nodeId().equals(lease.nodeId()))
          .findFirst().orElseThrow();
      await(owner.release(lease, Outcome.SUCCESS, null));
    }
    assertEquals(List.of("node1-p9-1", "node0-p9-3", "node2-p7-5", "node2-p5-2", "node0-p1-0", "node1-p0-4"), order);
    assertEquals(0, pool(first, "prio").inFlight());
  }

  @Test
  void everyNodeListsTheMembersItSees() {
    WebClient web = WebClient.create(client);
    JsonObject seen = await(web.get(httpPorts.get(1), "127.0.0.1", "/cluster/members").send()).bodyAsJsonObject();
    assertEquals("cluster", seen.getString("mode"));
    assertEquals(3, seen.getInteger("size"));
    JsonArray list = seen.getJsonArray("members");
    assertEquals(3, list.size(), seen.encodePrettily());
    java.util.Set<String> http = new java.util.HashSet<>();
    int self = 0;
    for (int i = 0; i < list.size(); i++) {
      JsonObject m = list.getJsonObject(i);
      assertTrue(m.getBoolean("gateway"), m.encode());
      assertFalse(m.getBoolean("lite_member"), m.encode());
      assertTrue(m.getString("address").startsWith("127.0.0.1:"), m.encode());
      assertNotNull(m.getString("uuid"));
      assertNotNull(m.getString("started_at"));
      assertTrue(m.getLong("uptime_s") >= 0);
      http.add(m.getString("http"));
      if (m.getBoolean("this_node")) {
        self++;
        assertEquals(members.get(1).hz().getCluster().getLocalMember().getUuid().toString(), m.getString("uuid"));
      }
    }
    assertEquals(1, self, "exactly one member is the node asked");
    assertEquals(java.util.Set.of("127.0.0.1:" + httpPorts.get(0), "127.0.0.1:" + httpPorts.get(1),
        "127.0.0.1:" + httpPorts.get(2)), http);
  }

  @Test
  void nodeWithAnotherConfigRefusesToJoin() {
    ClusterNode node = nodes.get(1);
    // only server.* differs: accepted
    await(ConfigFingerprint.check(node.vertx(), node.hazelcast(), config(TestCluster.freePort(), upstreamPort)));
    GatewayConfig other = ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("pools", new JsonObject().put("chat", new JsonObject().put("instances", new JsonArray().add(
            new JsonObject().put("id", "elsewhere").put("provider", "mock").put("max_concurrency", 99))))));
    Throwable refused = assertThrows(RuntimeException.class,
        () -> await(ConfigFingerprint.check(node.vertx(), node.hazelcast(), other)));
    assertTrue(refused.getMessage().contains("differs from the one the cluster runs"), refused.getMessage());
  }

  static SlotRequest request(int priority) {
    return new SlotRequest("prio", UUID.randomUUID().toString(), priority, System.currentTimeMillis() + 20_000,
        Set.of());
  }

  static PoolSnapshot pool(SlotLedger ledger, String name) {
    return await(ledger.snapshot()).stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  static void eventually(java.util.function.BooleanSupplier condition) {
    long until = System.currentTimeMillis() + 15_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < until, "condition not met within 15 s");
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
