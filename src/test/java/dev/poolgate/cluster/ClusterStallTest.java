package dev.poolgate.cluster;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes in JVMs of their own with {@code POOLGATE_HZ_MIN_CLUSTER_SIZE=2}, one instance of cap
 * 2, and a node frozen with SIGSTOP for longer than the failure detection: the others purge its
 * leases; once it runs again it resets its upstream calls within a second, and, on the minority
 * side of the split, it never admits — the upstream never sees more than the cap from then on —
 * until it has merged back and is ready again.
 */
class ClusterStallTest {
  private static final Duration START = Duration.ofSeconds(90);
  /** Long enough to outlast every step of a test: these calls end only when reset. */
  private static final long UPSTREAM_LATENCY_MS = 25_000;
  private static final int CAP = 2;
  @TempDir
  Path dir;
  private Vertx vertx;
  private FakeOpenAi fake;
  private final List<ChildNode> nodes = new ArrayList<>();

  @BeforeEach
  void startUpstream() {
    vertx = Vertx.vertx();
    fake = await(FakeOpenAi.start(vertx)).latency(UPSTREAM_LATENCY_MS);
  }

  /** Three nodes, all ready; a request waits in the queue at most {@code queueTimeoutMs}. */
  private void startCluster(long queueTimeoutMs) throws IOException {
    JsonObject instance = GatewayFixture.instance("a", fake, CAP).put("timeout_ms", 60_000);
    JsonObject config = GatewayFixture.onePool(instance);
    config.getJsonObject("pools").getJsonObject("p").getJsonObject("queue").put("timeout_ms", queueTimeoutMs);
    Path file = ChildNode.writeConfig(dir, "config", config);
    String cluster = "poolgate-stall-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> hz = List.of(Ports.free(), Ports.free(), Ports.free());
    for (int i = 0; i < 3; i++) {
      int http = Ports.free();
      var env = ChildNode.clusterEnv(cluster, hz.get(i), hz, http);
      env.put(ClusterConfig.MIN_CLUSTER_SIZE, "2");
      nodes.add(ChildNode.start("node-" + i, file, env, http, dir));
    }
    for (ChildNode node : nodes) {
      node.awaitReadiness(200, START);
    }
  }

  @AfterEach
  void tearDown() {
    nodes.forEach(ChildNode::close);
    await(fake.stop());
    await(vertx.close());
  }

  @Test
  void aNodeThatStoodStillResetsTheCallsWhoseLeasesWerePurgedWithinASecond() throws IOException {
    // the other nodes' requests wait until the frozen node's slots are purged
    startCluster(20_000);
    ChildNode frozen = nodes.get(2);
    List<CompletableFuture<ChildNode.Answer>> held = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      held.add(frozen.postAsync(GatewayFixture.chat("held " + i), Duration.ofSeconds(60)));
    }
    waitFor("the frozen node's calls reach the upstream", () -> fake.inFlight() == CAP);

    frozen.freeze();
    // the others declare it dead, purge its leases and hand its slots on
    List<CompletableFuture<ChildNode.Answer>> after = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      after.add(nodes.get(i % 2).postAsync(GatewayFixture.chat("after " + i), Duration.ofSeconds(60)));
    }
    waitFor("the purged slots serve the other nodes' requests", () -> fake.inFlight() == 2 * CAP);

    long resumed = System.nanoTime();
    frozen.resume();
    waitFor("the frozen node's calls are reset", () -> fake.resets() >= CAP);
    long tookMs = (System.nanoTime() - resumed) / 1_000_000;
    assertTrue(tookMs <= 1_000, "the calls of purged leases were reset " + tookMs + " ms after the node ran again");
    assertEquals(CAP, fake.inFlight(), "the upstream sees more than the cap once the frozen node runs");
    for (CompletableFuture<ChildNode.Answer> answer : held) {
      ChildNode.Answer a = answer.join();
      assertEquals(503, a.status(), a.body());
      assertEquals("cluster_store_unavailable", a.json().getJsonObject("error").getString("code"));
    }
    after.forEach(a -> assertTrue(!a.isDone() || a.join().status() == 200, "a request of a healthy node failed"));
  }

  @Test
  void theMinoritySideOfASplitNeverAdmits() throws IOException {
    startCluster(1_000);
    ChildNode minority = nodes.get(2);
    minority.freeze();
    // the majority fills the cap with long calls once it no longer waits for the frozen member
    // (which may own the pool's entry): once it declared it dead and purged it
    waitFor("the majority purges the frozen member", () -> nodes.get(0).logged("left: purged"));
    List<CompletableFuture<ChildNode.Answer>> majority = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      majority.add(nodes.get(i).postAsync(GatewayFixture.chat("majority " + i), Duration.ofSeconds(60)));
    }
    waitFor("the majority's calls reach the upstream", () -> fake.inFlight() == CAP);
    fake.clearRecords();
    minority.resume();

    // the minority is asked all the time it is split off, while it merges back, and after
    long until = System.nanoTime() + Duration.ofSeconds(4 * ChildNode.MAX_NO_HEARTBEAT_SECONDS).toNanos();
    int asked = 0;
    while (System.nanoTime() < until) {
      ChildNode.Answer a = minority.post(GatewayFixture.chat("minority " + asked++), Duration.ofSeconds(10));
      assertNotEquals(200, a.status(), "the minority admitted a request: " + a.body());
      assertTrue(fake.maxInFlight() <= CAP, "the upstream saw " + fake.maxInFlight() + " calls, cap " + CAP);
    }
    assertEquals(0, fake.requests(), "the minority called the upstream");
    assertTrue(fake.maxInFlight() <= CAP, "the upstream saw " + fake.maxInFlight() + " calls, cap " + CAP);
    assertTrue(asked > 3, "the minority was asked only " + asked + " times");
    majority.forEach(a -> assertTrue(!a.isDone() || a.join().status() == 200, "a majority request failed"));

    // the split heals: the node merges back into the majority and is ready again
    minority.awaitReadiness(200, Duration.ofSeconds(60));
    assertTrue(fake.maxInFlight() <= CAP, "the upstream saw " + fake.maxInFlight() + " calls, cap " + CAP);
  }

  private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not true after 30 s: " + what);
      }
      ChildNode.pause(20);
    }
  }
}
