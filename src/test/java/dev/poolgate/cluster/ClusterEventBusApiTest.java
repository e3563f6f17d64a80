package dev.poolgate.cluster;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.api.BusProtocol;
import dev.poolgate.api.PoolgateBusClient;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Vert.x app that only joined the cluster as an application member (no gateway of its own)
 * sends chat requests over the event bus to a gateway node: a completion, a credited stream, and the credit holding across nodes.
 */
class ClusterEventBusApiTest {
  private static List<ClusterNode.Member> members;
  private static ClusterNode gateway;
  private static Vertx app;

  @BeforeAll
  static void start() {
    TestCluster.Growing cluster = TestCluster.growing(2);
    members = cluster.members();
    gateway = await(ClusterNode.start(members.get(0), config(), LedgerOptions.DEFAULT));
    app = cluster.addApplication().vertx();
    awaitHandlerVisible(100);
  }

  /** The gateway's consumer registration reaches the other member asynchronously: wait for it. */
  private static void awaitHandlerVisible(int tries) {
    for (int i = 0; ; i++) {
      try {
        await(new PoolgateBusClient(app).chat(request()));
        return;
      } catch (RuntimeException e) {
        if (i >= tries) {
          throw e;
        }
        await(app.timer(50));
      }
    }
  }

  @AfterAll
  static void stop() {
    await(gateway.shutdown(1_000));
    TestCluster.stop(members.subList(1, 2));
  }

  static GatewayConfig config() {
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", TestCluster.freePort()))
        .put("pools", new JsonObject().put("small", new JsonObject().put("instances", new JsonArray()
            .add(new JsonObject().put("id", "bus-mock").put("provider", "mock").put("max_concurrency", 2)
                .put("mock", new JsonObject().put("latency_ms", 5).put("tokens_per_second", 2000)
                    .put("reply_tokens", 30))))))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000)));
  }

  static JsonObject request() {
    return new JsonObject().put("model", "small").put("user_level", 4)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  @Test
  void appInTheClusterGetsACompletion() {
    JsonObject answer = await(new PoolgateBusClient(app).chat(request()));
    assertEquals("chat.completion", answer.getString("object"));
    assertEquals(30, answer.getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void appInTheClusterGetsACreditedStream() {
    List<JsonObject> chunks = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    app.runOnContext(v -> new PoolgateBusClient(app).stream(request(), 4)
        .handler(chunks::add).exceptionHandler(done::tryFail).endHandler(x -> done.tryComplete()));
    await(done.future());
    assertEquals(32, chunks.size(), "role chunk, 30 content chunks, finish chunk");
  }

  @Test
  void creditHoldsAcrossNodesAndCancelReleasesTheSlot() {
    String to = "test.stream." + System.nanoTime();
    AtomicInteger received = new AtomicInteger();
    MessageConsumer<JsonObject> consumer = app.eventBus().consumer(to, msg -> received.incrementAndGet());
    await(consumer.completion());
    await(app.eventBus().request(BusProtocol.ADDRESS, request().put("stream", true),
        new DeliveryOptions().addHeader(BusProtocol.STREAM_TO, to).addHeader(BusProtocol.CREDIT, "3")));
    await(app.timer(500));
    assertEquals(3, received.get(), "no more chunks than the credit");
    app.eventBus().send(to + ".control", new JsonObject().put("credit", 4));
    await(app.timer(500));
    assertEquals(7, received.get(), "exactly the new credit");
    app.eventBus().send(to + ".control", new JsonObject().put("cancel", true));
    await(idle(40));
    await(consumer.unregister());
  }

  private static Future<Void> idle(int tries) {
    return gateway.ledger().snapshot().compose(pools -> {
      boolean idle = pools.stream().allMatch(p -> p.inFlight() == 0 && p.queued() == 0);
      if (idle) {
        return Future.succeededFuture();
      }
      if (tries <= 0) {
        return Future.failedFuture("slot not released: " + pools.stream().map(PoolSnapshot::toString).toList());
      }
      return app.timer(50).compose(v -> idle(tries - 1));
    });
  }
}
