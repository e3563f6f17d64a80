package dev.poolgate.lib;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.api.PoolgateBusClient;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.cluster.TestCluster;
import dev.poolgate.config.ConfigException;
import dev.poolgate.config.GatewayConfig;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** poolgate as a library, used exactly as the README shows, standalone and clustered. */
class LibraryTest {

  @Test
  void readmeExample() {
    // --- README "poolgate as a library" example, verbatim ---
    GatewayConfig config = PoolgateConfig.builder().section("usage", PrivateState.usage())
        .pool("small", pool -> pool.queue(100, 30_000)
            .instance(i -> i.id("local").provider("mock").maxConcurrency(4)))
        .model("gpt-4o-mini", "small")
        .build();
    Poolgate gate = Poolgate.startBlocking(config);
    JsonObject answer = gate.chatBlocking(new JsonObject().put("model", "gpt-4o-mini").put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "Hello"))), 30_000);
    System.out.println(answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    gate.close();
    // --- end of example ---
    assertEquals("chat.completion", answer.getString("object"));
  }

  @Test
  void builderValidatesLikeTheFile() {
    ConfigException e = assertThrows(ConfigException.class, () -> PoolgateConfig.builder().section("usage", PrivateState.usage())
        .pool("small", pool -> pool.instance(i -> i.id("a").provider("mock").maxConcurrency(0))).build());
    assertTrue(e.getMessage().startsWith("pools.small.instances[0].max_concurrency"), e.getMessage());
  }

  @Test
  void sameCapsQueueAndErrorsAsHttp() throws Exception {
    GatewayConfig config = PoolgateConfig.builder().section("usage", PrivateState.usage())
        .pool("one", pool -> pool.queue(1, 5_000)
            .instance(i -> i.id("m").provider("mock").maxConcurrency(1)
                .set("mock", new JsonObject().put("latency_ms", 300).put("reply_tokens", 2))))
        .build();
    Poolgate gate = Poolgate.startBlocking(config);
    try {
      JsonObject request = new JsonObject().put("model", "one")
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
      var first = gate.chat(request);
      var second = gate.chat(request);
      Thread.sleep(100);
      // cap 1 busy, queue of 1 taken: the third is refused at once, like HTTP's 429 queue_full
      var third = gate.chat(request);
      PoolgateBusClient.PoolgateError full = (PoolgateBusClient.PoolgateError) assertThrows(Exception.class,
          () -> third.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).getCause();
      assertEquals(429, full.status());
      assertEquals("queue_full", full.error().getJsonObject("error").getString("code"));
      first.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      second.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      PoolgateBusClient.PoolgateError unknown = assertThrows(PoolgateBusClient.PoolgateError.class,
          () -> gate.chatBlocking(request.copy().put("model", "nope"), 5_000));
      assertEquals(404, unknown.status());
    } finally {
      gate.close().toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
    }
  }

  @Test
  void streamsWithBackpressure() throws Exception {
    GatewayConfig config = PoolgateConfig.builder().section("usage", PrivateState.usage())
        .pool("small", pool -> pool.instance(i -> i.id("m").provider("mock").maxConcurrency(2)
            .set("mock", new JsonObject().put("latency_ms", 1).put("tokens_per_second", 5000).put("reply_tokens", 40))))
        .build();
    Poolgate gate = Poolgate.startBlocking(config);
    try {
      List<JsonObject> chunks = new ArrayList<>();
      CompletableFuture<Void> done = new CompletableFuture<>();
      ReadStream<JsonObject> stream = gate.stream(new JsonObject().put("model", "small")
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))));
      stream.pause();
      stream.handler(chunks::add).endHandler(v -> done.complete(null)).exceptionHandler(done::completeExceptionally);
      Thread.sleep(300);
      assertTrue(chunks.isEmpty(), "a paused stream delivers nothing");
      stream.resume();
      try {
        done.get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError("the stream never ended; chunks so far: " + chunks.size(), e);
      }
      assertEquals(42, chunks.size());
    } finally {
      gate.close().toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
    }
  }

  @Test
  void worksClustered() {
    List<ClusterNode.Member> members = TestCluster.start(2);
    try {
      GatewayConfig config = PoolgateConfig.builder().section("usage", PrivateState.usage())
          .pool("small", pool -> pool.instance(i -> i.id("m").provider("mock").maxConcurrency(2)
              .set("mock", new JsonObject().put("latency_ms", 1))))
          .section("health", new JsonObject().put("probe_interval_ms", 3_600_000))
          .build();
      Poolgate a = await(Poolgate.start(members.get(0).vertx(), config));
      Poolgate b = await(Poolgate.start(members.get(1).vertx(), config));
      JsonObject request = new JsonObject().put("model", "small")
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
      Promise<JsonObject> answer = Promise.promise();
      members.get(1).vertx().runOnContext(v -> b.chat(request).onComplete(answer));
      assertEquals("chat.completion", await(answer.future()).getString("object"));
      assertEquals("chat.completion", await(a.chat(request)).getString("object"));
      await(a.close());
      await(b.close());
    } finally {
      TestCluster.stop(members);
    }
  }
}
