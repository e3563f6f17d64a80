package dev.poolgate.cluster;

import dev.poolgate.api.PoolgateBusClient;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.testing.PrivateState;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.scheduling.Health;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Vert.x application joined as an application member beside two gateway nodes, calling the
 * event-bus API: its calls share the caps with HTTP callers, and it takes on no gateway duty — it
 * owns no ledger partition, and every instance is still probed, so all six recover after an
 * outage (with the application counted as a prober, the instances handed to it never did).
 */
class ClusterAppMemberTest {
  private static final int INSTANCES = 6;
  private Vertx vertx;
  private FakeOpenAi fake;
  private TestCluster.Growing cluster;
  private final List<ClusterNode> gateways = new ArrayList<>();
  private ClusterNode.Member app;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    fake = await(FakeOpenAi.start(vertx));
    cluster = TestCluster.growing(3);
    for (int i = 0; i < 2; i++) {
      JsonObject config = config(fake);
      config.getJsonObject("server").put("host", "127.0.0.1").put("port", TestCluster.freePort());
      gateways.add(await(ClusterNode.start(cluster.members().get(i), ConfigLoader.parse(PrivateState.of(config.copy())), LedgerOptions.DEFAULT)));
      if (i == 0) {
        cluster.add(); // the second gateway joins once the first runs
      }
    }
    app = cluster.addApplication();
    TestCluster.awaitSafe(cluster.members());
  }

  @AfterEach
  void stop() {
    gateways.forEach(g -> await(g.shutdown(1_000)));
    TestCluster.stop(List.of(app));
    await(fake.stop());
    await(vertx.close());
  }

  /** Six instances of cap 1 in pool p (model gpt-test), probed every 200 ms, unhealthy after one failure. */
  private static JsonObject config(FakeOpenAi fake) {
    JsonObject[] instances = new JsonObject[INSTANCES];
    for (int i = 0; i < INSTANCES; i++) {
      instances[i] = GatewayFixture.instance("i" + i, fake, 1);
    }
    return GatewayFixture.onePool(instances).put("health", new JsonObject().put("probe_interval_ms", 200)
        .put("probe_timeout_ms", 1_000).put("degrade_after", 1).put("unhealthy_after", 1).put("cooldown_ms", 300)
        .put("recover_after", 1));
  }

  @Test
  void theApplicationIsALiteMemberWithNoGatewayDuty() {
    assertTrue(app.hz().getCluster().getLocalMember().isLiteMember());
    assertFalse(GatewayMembers.isGateway(app.hz().getCluster().getLocalMember()));
    assertEquals(Set.copyOf(gateways.stream().map(g -> g.ledger().nodeId()).toList()),
        GatewayMembers.nodeIds(app.hz().getCluster()));
    var appMember = app.hz().getCluster().getLocalMember();
    assertTrue(gateways.get(0).hazelcast().getPartitionService().getPartitions().stream()
        .noneMatch(p -> appMember.equals(p.getOwner())), "the application member owns a partition");
  }

  @Test
  void theApplicationsCallsShareTheCaps() {
    fake.latency(300);
    awaitBusVisible();
    fake.clearRecords();
    PoolgateBusClient client = new PoolgateBusClient(app.vertx(), 20_000);
    List<Future<?>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(client.chat(GatewayFixture.chat("bus " + i)));
      calls.add(post(gateways.get(i % 2), GatewayFixture.chat("http " + i)));
    }
    await(Future.all(calls));
    assertEquals(20, fake.requests());
    assertTrue(fake.maxInFlight() <= INSTANCES, "the upstream saw " + fake.maxInFlight() + " calls, cap " + INSTANCES);
  }

  @Test
  void everyInstanceIsStillProbedAndRecovers() {
    fake.failWith(500);
    awaitHealth(Health.UNHEALTHY);
    fake.succeed();
    awaitHealth(Health.HEALTHY);
    awaitBusVisible();
    JsonObject answer = await(new PoolgateBusClient(app.vertx()).chat(GatewayFixture.chat("after the outage")));
    assertEquals("chat.completion", answer.getString("object"));
  }

  /** Waits (bounded) until every instance has the health, as the cluster's ledger sees it. */
  private void awaitHealth(Health wanted) {
    long end = System.currentTimeMillis() + 15_000;
    List<InstanceSnapshot> last = List.of();
    while (System.currentTimeMillis() < end) {
      List<PoolSnapshot> pools = await(gateways.get(0).ledger().snapshot());
      last = pools.get(0).instances();
      if (last.size() == INSTANCES && last.stream().allMatch(i -> i.health() == wanted)) {
        return;
      }
      await(vertx.timer(100));
    }
    throw new AssertionError("not every instance " + wanted + " after 15 s: " + last.stream()
        .map(i -> i.id() + "=" + i.health()).collect(Collectors.joining(", ")));
  }

  /** The gateways' bus consumers reach the application member asynchronously: wait for them (bounded). */
  private void awaitBusVisible() {
    PoolgateBusClient client = new PoolgateBusClient(app.vertx(), 5_000);
    for (int i = 0; ; i++) {
      try {
        await(client.chat(GatewayFixture.chat("visible?")));
        return;
      } catch (RuntimeException e) {
        if (i >= 100) {
          throw e;
        }
        await(vertx.timer(50));
      }
    }
  }

  private Future<JsonObject> post(ClusterNode gateway, JsonObject body) {
    return vertx.createHttpClient().request(io.vertx.core.http.HttpMethod.POST,
            gateway.gateway().config().server().port(), "127.0.0.1", "/v1/chat/completions")
        .compose(req -> req.putHeader("content-type", "application/json").send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() != 200) {
            throw new AssertionError("HTTP " + resp.statusCode() + ": " + b);
          }
          return new JsonObject(b);
        }));
  }
}
