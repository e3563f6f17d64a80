package dev.poolgate.it;

import dev.poolgate.Gateway;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.LocalSlotLedger;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.testing.Await;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One request, one lifecycle: a slot lives exactly as long as its upstream call, whatever ends
 * the request — a slow upstream, a budget that runs out, a bug that throws at any stage, an
 * abort from outside. Nothing (slot, queue place, key permit, request in flight) is left after.
 */
class LifecycleTest extends GatewayTestBase {
  private static final String KEY = "sk-life-0123456789ab";
  private HttpServer slowServer;

  @AfterEach
  void stopSlowServer() {
    if (slowServer != null) {
      await(slowServer.close());
    }
  }

  /**
   * An upstream that sends a JSON answer's head at once and its body a few bytes every 0.4 s,
   * counting the requests it has open (until the answer ended or the connection went away).
   */
  private static final class SlowUpstream {
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger resets = new AtomicInteger();
  }

  private SlowUpstream slowUpstream(int pieces) {
    SlowUpstream up = new SlowUpstream();
    Buffer answer = new JsonObject().put("id", "chatcmpl-slow").put("object", "chat.completion")
        .put("model", FakeOpenAi.MODEL)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
            .put("message", new JsonObject().put("role", "assistant").put("content", "slow but sure"))))
        .put("usage", new JsonObject().put("prompt_tokens", 3).put("completion_tokens", 4).put("total_tokens", 7))
        .toBuffer();
    int step = (answer.length() + pieces - 1) / pieces;
    slowServer = await(vertx.createHttpServer().requestHandler(req -> {
      int now = up.inFlight.incrementAndGet();
      up.maxInFlight.accumulateAndGet(now, Math::max);
      AtomicBoolean over = new AtomicBoolean();
      HttpServerResponse resp = req.response();
      long[] timer = {-1};
      Runnable done = () -> {
        if (over.compareAndSet(false, true)) {
          vertx.cancelTimer(timer[0]);
          up.inFlight.decrementAndGet();
        }
      };
      resp.closeHandler(v -> {
        if (!over.get()) {
          up.resets.incrementAndGet();
        }
        done.run();
      });
      resp.setChunked(true).putHeader("content-type", "application/json").writeHead();
      AtomicInteger sent = new AtomicInteger();
      timer[0] = vertx.setPeriodic(400, id -> {
        int from = sent.getAndAdd(step);
        if (from >= answer.length()) {
          done.run();
          resp.end();
          return;
        }
        resp.write(answer.slice(from, Math.min(answer.length(), from + step)));
      });
    }).listen(0, "127.0.0.1"));
    return up;
  }

  private JsonObject slowInstance(int cap) {
    return new JsonObject().put("id", "slow").put("provider", "openai")
        .put("base_url", "http://127.0.0.1:" + slowServer.actualPort() + "/v1").put("api_key", "sk-slow")
        .put("model", FakeOpenAi.MODEL).put("max_concurrency", cap)
        .put("timeout_ms", 1_000).put("connect_timeout_ms", 500);
  }

  private static JsonObject poolWithQueueTimeout(JsonObject instance, long queueTimeoutMs) {
    return new JsonObject().put("queue", new JsonObject().put("max_size", 100).put("timeout_ms", queueTimeoutMs))
        .put("instances", new JsonArray().add(instance));
  }

  private static void assertErrorShape(Reply r) {
    JsonObject error = r.json().getJsonObject("error");
    assertNotNull(error, r.text());
    assertNotNull(error.getString("message"), r.text());
    assertNotNull(error.getString("code"), r.text());
  }

  // ------------------------------------------------------------------ hops

  /** Every event loop has a slot desk and a provider verticle, so a request takes its slot and calls on its own loop. */
  @Test
  void everyEventLoopHasItsProvider() {
    gateway(GatewayFixture.onePool(instance("a1", fake(), 1)));
    for (var loop : ((io.vertx.core.internal.VertxInternal) vertx).nettyEventLoopGroup()) {
      assertTrue(dev.poolgate.provider.ProviderVerticle.perLoop((io.netty.channel.EventLoop) loop) >= 1,
          "no provider on " + loop);
      assertTrue(dev.poolgate.scheduler.SlotDeskVerticle.perLoop((io.netty.channel.EventLoop) loop) >= 1,
          "no slot desk on " + loop);
    }
    assertEquals(200, gw.postBlocking(chat("hi")).status());
  }

  // ------------------------------------------------------------------ time budget

  /**
   * Cap 1, an idle timeout of 1 s, a body trickling in for about 8 s (never 1 s without a byte;
   * longer than the event-bus deadline that used to free the slot mid-call): the upstream never
   * sees two calls, the first client gets its answer, the others a clean queue timeout.
   */
  @Test
  void aSlowBodyNeverTakesTheUpstreamAboveItsCap() {
    SlowUpstream up = slowUpstream(20);
    gateway(GatewayFixture.config(new JsonObject().put("p", poolWithQueueTimeout(slowInstance(1), 2_000)))
        .put("models", new JsonObject().put("gpt-test", "p")));
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Promise<Reply> reply = Promise.promise();
      vertx.setTimer(1 + 300L * i, id -> gw.post(chat("slow")).onComplete(reply));
      replies.add(reply.future());
    }
    List<Reply> answers = replies.stream().map(f -> await(f, java.time.Duration.ofSeconds(20))).toList();
    assertEquals(200, answers.get(0).status(), answers.get(0).text());
    assertEquals("slow but sure", answers.get(0).json().getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content"));
    for (Reply r : answers.subList(1, 3)) {
      assertTrue(r.status() == 200 || r.status() == 429, r.status() + " " + r.text());
      if (r.status() != 200) {
        assertErrorShape(r);
      }
    }
    assertEquals(1, up.maxInFlight.get(), "the upstream saw more calls than the cap");
    gw.assertNoLeak();
    assertEquals(0, gw.pool("p").queued());
  }

  /** The whole-call bound resets the upstream call, typed as a timeout (504), and frees the slot. */
  @Test
  void theWholeCallBoundResetsTheCallAndAnswers504() {
    SlowUpstream up = slowUpstream(20);
    gateway(GatewayFixture.config(new JsonObject().put("p", poolWithQueueTimeout(
            slowInstance(1).put("total_timeout_ms", 1_500), 2_000)))
        .put("models", new JsonObject().put("gpt-test", "p")));
    Reply r = gw.postBlocking(chat("too slow"));
    assertEquals(504, r.status(), r.text());
    assertEquals("upstream_timeout", r.json().getJsonObject("error").getString("code"));
    assertTrue(r.json().getJsonObject("error").getString("message").contains("total_timeout_ms"), r.text());
    Await.until("the upstream saw the call reset", () -> up.inFlight.get() == 0 && up.resets.get() >= 1);
  }

  /** The first-byte bound resets a call whose answer's head is late, though no idle gap ran out. */
  @Test
  void theFirstByteBoundResetsACallWhoseHeadIsLate() {
    FakeOpenAi up = fake().latency(3_000);
    gateway(GatewayFixture.onePool(instance("a1", up, 1).put("first_byte_timeout_ms", 500)
        .put("idle_timeout_ms", 10_000)));
    long start = System.nanoTime();
    Reply r = gw.postBlocking(chat("late"));
    assertEquals(504, r.status(), r.text());
    assertTrue(r.json().getJsonObject("error").getString("message").contains("first_byte_timeout_ms"), r.text());
    assertTrue(System.nanoTime() - start < 2_500_000_000L, "answered at the bound, not when the upstream woke up");
    Await.until("the upstream saw the call reset", () -> up.inFlight() == 0);
  }

  // ------------------------------------------------------------------ faults

  /**
   * A provider adapter that throws at each stage of a call — before it, on the answer's head, in
   * the middle of its body, at its end — streamed or not: every request ends, and no slot, queue
   * place, key permit or request in flight is left, as /health/detailed and /metrics show.
   */
  @Test
  void anAdapterThrowingAtAnyStageLeavesNothingHeld() {
    JsonObject pools = new JsonObject();
    JsonObject models = new JsonObject();
    List<String> stages = List.of("before_call", "on_head", "mid_body", "at_end");
    for (String stage : stages) {
      pools.put(stage, pool(new JsonObject().put("id", "mock-" + stage).put("provider", "mock")
          .put("max_concurrency", 2).put("mock", new JsonObject().put("latency_ms", 5)
              .put("tokens_per_second", 1000).put("reply_tokens", 4).put("fault", stage))));
      models.put("m-" + stage, stage);
    }
    gateway(GatewayFixture.config(pools).put("models", models)
        .put("keys", new JsonObject().put("life", new JsonObject().put("key", KEY).put("max_concurrency", 8))));
    Map<String, String> headers = Map.of("content-type", "application/json", "authorization", "Bearer " + KEY);
    for (String stage : stages) {
      for (boolean stream : List.of(false, true)) {
        JsonObject body = chat(stage).put("model", "m-" + stage).put("stream", stream);
        Future<Reply> sent = gw.post("/v1/chat/completions", body.toBuffer(), headers);
        if (stage.equals("mid_body") && !stream) {
          // a JSON answer cut after its head cannot carry an error: the connection is broken instead
          Await.until("the broken answer ended", sent::isComplete);
          if (sent.failed()) {
            continue;
          }
        }
        Reply r = await(sent);
        String what = stage + (stream ? " (stream)" : "") + ": " + r.status() + " " + r.text();
        if (stage.equals("before_call") || stage.equals("on_head")) {
          assertTrue(r.status() >= 500, what);
          assertErrorShape(r);
        } else if (stage.equals("mid_body")) {
          // the answer had started: it ends with an error event, never a clean end
          assertEquals(200, r.status(), what);
          assertTrue(r.text().contains("\"error\""), what);
          assertFalse(r.text().contains("[DONE]"), what);
        } else {
          // the whole answer was out before the adapter threw: the client has it
          assertEquals(200, r.status(), what);
        }
      }
    }
    assertNothingHeld();
  }

  /**
   * A sink that throws — when its request starts (registering for the client's leaving), when the
   * answer opens, on a body write, at the end — never leaves the request's slot behind: the
   * request ends, and the node holds no slot and no live request.
   */
  @Test
  void aSinkThrowingAtAnyStageLeavesNoSlot() {
    FakeOpenAi up = fake().pieces(List.of("a", "b", "c"));
    gateway(GatewayFixture.onePool(instance("a1", up, 2)));
    var node = gw.gateway().node();
    var dispatcher = new dev.poolgate.dispatch.Dispatcher(vertx, () -> gw.gateway().config(), node.cache(),
        node.metrics(), node.usage(), node.liveRequests());
    for (String stage : List.of("on_close", "open", "write", "end")) {
      for (boolean stream : List.of(false, true)) {
        ThrowingSink sink = new ThrowingSink(stage);
        var job = new dev.poolgate.dispatch.Job("sink-" + stage + "-" + stream, "gpt-test", "p",
            dev.poolgate.provider.Endpoint.CHAT, chat(stage).put("stream", stream), stream, 0);
        Promise<dev.poolgate.dispatch.Served> done = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> dispatcher.dispatch(job, sink, false, dev.poolgate.dispatch.Dispatcher.traceOf(job, "/v1/chat/completions")).onComplete(done));
        Await.until(stage + (stream ? " (stream)" : "") + ": the request ended", () -> done.future().isComplete());
        assertTrue(done.future().failed(), stage + ": a sink that threw cannot have served the answer");
      }
    }
    gw.assertNoLeak();
    assertEquals(0, node.liveRequests().size());
  }

  /** A sink that throws at one stage and otherwise takes everything. */
  private static final class ThrowingSink implements dev.poolgate.dispatch.ReplySink,
      io.vertx.core.streams.WriteStream<Buffer> {
    private final String stage;
    private boolean committed;

    ThrowingSink(String stage) {
      this.stage = stage;
    }

    private void maybeThrow(String at) {
      if (stage.equals(at)) {
        throw new IllegalStateException("sink fault " + at);
      }
    }

    @Override public boolean closed() { return false; }
    @Override public void onClose(Runnable action) { maybeThrow("on_close"); }
    @Override public io.vertx.core.streams.WriteStream<Buffer> open(dev.poolgate.dispatch.Served served,
        dev.poolgate.provider.UpstreamReply reply) {
      maybeThrow("open");
      return this;
    }
    @Override public boolean committed() { return committed; }
    @Override public void fail(dev.poolgate.GatewayException error) { }
    @Override public void upstreamError(dev.poolgate.dispatch.Served served, int status, Buffer body) { }
    @Override public Future<Void> write(Buffer data) {
      maybeThrow("write");
      committed = true;
      return Future.succeededFuture();
    }
    @Override public Future<Void> end() {
      maybeThrow("end");
      return Future.succeededFuture();
    }
    @Override public ThrowingSink exceptionHandler(io.vertx.core.Handler<Throwable> handler) { return this; }
    @Override public ThrowingSink setWriteQueueMaxSize(int maxSize) { return this; }
    @Override public boolean writeQueueFull() { return false; }
    @Override public ThrowingSink drainHandler(io.vertx.core.Handler<Void> handler) { return this; }
  }

  private void assertNothingHeld() {
    Await.until("/health/detailed shows 0 in flight and 0 queued", () -> {
      JsonObject health = get("/health/detailed").json();
      return health.getJsonArray("pools").stream().map(JsonObject.class::cast)
          .allMatch(p -> p.getInteger("in_flight") == 0 && p.getInteger("queued") == 0);
    });
    Await.until("no permit of the key held", () -> await(gw.gateway().node().keyLimiter().inFlight("life")) == 0);
    Await.until("/metrics shows no request active", () -> get("/metrics").text()
        .lines().anyMatch(l -> l.startsWith("poolgate_requests_active ") && l.endsWith(" 0.0")));
    assertEquals(0, gw.gateway().node().inFlight());
    assertEquals(0, gw.gateway().node().liveRequests().size());
  }

  private Reply get(String path) {
    return await(io.vertx.ext.web.client.WebClient.wrap(gw.client())
        .request(HttpMethod.GET, gw.port(), "127.0.0.1", path).timeout(10_000).send()
        .map(r -> new Reply(r.statusCode(), r.headers(), r.body() == null ? Buffer.buffer() : r.body())));
  }

  // ------------------------------------------------------------------ owner liveness

  /**
   * A slot taken with no request behind it (as one whose request ended without giving it back)
   * is released by the ledger's lease renewal, and counted in poolgate_orphaned_leases_total.
   */
  @Test
  void aSlotHeldWithoutALiveRequestIsReleasedByTheRenewalAndCounted() {
    JsonObject cfg = GatewayFixture.onePool(instance("a1", fake(), 1))
        .put("usage", new JsonObject().put("enabled", false));
    LedgerOptions fastRenewal = new LedgerOptions(5_000, 200, 1_000, 100, 1_000);
    Gateway node = await(Gateway.start(vertx, ConfigLoader.parse(cfg), new LocalSlotLedger(vertx, fastRenewal),
        id -> false, false));
    try {
      SchedulerClient scheduler = new SchedulerClient(vertx);
      await(scheduler.acquire(new SlotRequest("p", "no-request", 0, System.currentTimeMillis() + 5_000, Set.of())));
      Await.until("the orphaned slot is released", () -> await(scheduler.snapshot()).stream()
          .allMatch(p -> p.inFlight() == 0));
      assertEquals(1, node.node().liveRequests().orphanedCount());
      assertTrue(node.node().metrics().scrape().lines()
          .anyMatch(l -> l.startsWith("poolgate_orphaned_leases_total ") && l.endsWith(" 1.0")),
          "the metric counts it");
    } finally {
      await(node.close());
    }
  }

  // ------------------------------------------------------------------ abort

  /**
   * Aborting a live request by its lease (what a node does when the cluster purged that lease):
   * its upstream call is reset, its client gets a clean 503, and its slot is free.
   */
  @Test
  void abortingByLeaseResetsTheCallAndEndsTheRequest() {
    FakeOpenAi up = fake().hold();
    gateway(GatewayFixture.onePool(instance("a1", up, 1)));
    Future<Reply> reply = gw.post(chat("to be aborted"));
    Await.until("the upstream has the call", () -> up.inFlight() == 1);
    var live = gw.gateway().node().liveRequests();
    assertEquals(1, live.size());
    String leaseId = live.leaseIds().iterator().next();
    assertTrue(live.abort(leaseId, "the cluster purged lease " + leaseId));
    Reply r = await(reply);
    assertEquals(503, r.status(), r.text());
    assertErrorShape(r);
    assertTrue(r.json().getJsonObject("error").getString("message").contains("purged"), r.text());
    Await.until("the upstream saw the call reset", () -> up.inFlight() == 0 && up.resets() == 1);
    assertFalse(live.abort(leaseId, "again"), "a lease no live request holds any more");
    assertEquals(0, live.size());
  }
}
