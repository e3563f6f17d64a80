package dev.poolgate.admin;

import dev.poolgate.testing.PrivateState;

import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drain through the admin API on a two-node cluster: once one node drains an instance, neither
 * node gives it a new request, the requests it had finish normally, and undrain (asked on the
 * other node) puts it back in service.
 */
class ClusterDrainTest {
  private static final String INSTANCE_HEADER = "x-poolgate-instance";
  @TempDir
  Path stateRoot;
  private Vertx client;
  private WebClient web;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private List<ClusterNode.Member> members;

  @BeforeEach
  void setUp() {
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterEach
  void tearDown() {
    for (ClusterNode node : nodes) {
      try {
        await(node.shutdown(500));
      } catch (RuntimeException e) {
        // already stopped
      }
    }
    await(client.close());
  }

  private static JsonObject mock(String id, int latencyMs) {
    return new JsonObject().put("id", id).put("provider", "mock").put("max_concurrency", 4)
        .put("mock", new JsonObject().put("latency_ms", latencyMs).put("tokens_per_second", 10_000));
  }

  /** Pool p: slow d1 (its requests are still in flight when it is drained) and fast d2. */
  private JsonObject file(int i) {
    JsonObject p = new JsonObject().put("queue", new JsonObject().put("max_size", 100).put("timeout_ms", 10_000))
        .put("instances", new JsonArray().add(mock("d1", 1_500)).add(mock("d2", 5)));
    return PrivateState.of(new JsonObject().put("pools", new JsonObject().put("p", p))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000))
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", ports.get(i)).put("drain_timeout_ms", 500))
        .put("admin", new JsonObject().put("token", AdminClient.TOKEN).put("state_dir", stateRoot.resolve("n" + i).toString())));
  }

  private Future<HttpResponse<Buffer>> chat(int node) {
    JsonObject body = new JsonObject().put("model", "p").put("max_tokens", 2)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return web.post(ports.get(node), "127.0.0.1", "/v1/chat/completions").timeout(20_000).sendJsonObject(body);
  }

  private HttpResponse<Buffer> admin(int node, String path) {
    return await(web.request(HttpMethod.POST, ports.get(node), "127.0.0.1", path).timeout(10_000)
        .putHeader("authorization", "Bearer " + AdminClient.TOKEN).send());
  }

  private InstanceSnapshot instance(int node, String id) {
    return await(new SchedulerClient(members.get(node).vertx()).snapshot()).stream()
        .flatMap(p -> p.instances().stream()).filter(i -> i.id().equals(id)).findFirst().orElseThrow();
  }

  private boolean drainedEverywhere(boolean drained) {
    return nodes.stream().allMatch(n -> n.gateway().config().instances().get("d1").drained() == drained);
  }

  /** Sends {@code n} requests, half to each node, all at once; answers in order. */
  private List<HttpResponse<Buffer>> burst(int n) {
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      sent.add(chat(k % 2));
    }
    Await.await(Future.all(sent), Duration.ofSeconds(30));
    return sent.stream().map(Future::result).toList();
  }

  @Test
  void aDrainedInstanceGetsNoNewRequestFromEitherNodeFinishesItsOwnAndComesBackWhenUndrained() {
    members = TestCluster.start(2);
    ports.add(TestCluster.freePort());
    ports.add(TestCluster.freePort());
    for (int i = 0; i < 2; i++) {
      ClusterNode.Member m = members.get(i);
      int n = i;
      nodes.add(await(AdminState.open(m.vertx(), file(n), new HazelcastConfigStore(m.vertx(), m.hz()), ENV)
          .compose(admin -> ClusterNode.start(m, admin, LedgerOptions.DEFAULT))));
    }

    // requests in flight on d1 when it is drained
    List<Future<HttpResponse<Buffer>>> before = new ArrayList<>();
    for (int k = 0; k < 8; k++) {
      before.add(chat(k % 2));
    }
    Await.until("d1 has requests in flight", Duration.ofSeconds(10), () -> instance(0, "d1").inFlight() > 0);
    int inFlightAtDrain = instance(1, "d1").inFlight();

    HttpResponse<Buffer> drained = admin(1, "/admin/pools/p/instances/d1/drain");
    assertEquals(200, drained.statusCode(), drained.bodyAsString());
    assertEquals(Boolean.TRUE, drained.bodyAsJsonObject().getBoolean("drained"), drained.bodyAsString());
    Await.until("both nodes run with d1 drained", Duration.ofSeconds(5), () -> drainedEverywhere(true));
    assertTrue(inFlightAtDrain > 0, "d1 had requests when drained");

    Await.await(Future.all(before), Duration.ofSeconds(30));
    long onD1 = before.stream().filter(f -> "d1".equals(f.result().getHeader(INSTANCE_HEADER))).count();
    assertTrue(onD1 > 0, "some of the first requests were on d1");
    for (Future<HttpResponse<Buffer>> f : before) {
      assertEquals(200, f.result().statusCode(), "requests in flight on the drained instance finish: "
          + f.result().bodyAsString());
    }
    Await.until("d1's requests are done", Duration.ofSeconds(5), () -> instance(0, "d1").inFlight() == 0);

    // d1 is idle now, and least_load would pick it first: only the drain keeps requests off it
    for (HttpResponse<Buffer> r : burst(24)) {
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals("d2", r.getHeader(INSTANCE_HEADER), "a drained instance takes no new request");
    }

    HttpResponse<Buffer> undrained = admin(0, "/admin/pools/p/instances/d1/undrain");
    assertEquals(200, undrained.statusCode(), undrained.bodyAsString());
    assertNotEquals(Boolean.TRUE, undrained.bodyAsJsonObject().getValue("drained"), undrained.bodyAsString());
    Await.until("both nodes run with d1 back", Duration.ofSeconds(5), () -> drainedEverywhere(false));
    boolean servedByD1 = false;
    for (int round = 0; round < 5 && !servedByD1; round++) {
      servedByD1 = burst(12).stream().anyMatch(r -> "d1".equals(r.getHeader(INSTANCE_HEADER)));
    }
    assertTrue(servedByD1, "an undrained instance serves again");

    HttpResponse<Buffer> unknown = admin(0, "/admin/pools/p/instances/nope/drain");
    assertEquals(404, unknown.statusCode(), unknown.bodyAsString());
  }
}
