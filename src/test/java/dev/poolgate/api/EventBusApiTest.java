package dev.poolgate.api;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.Gateway;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event-bus chat API on a standalone node: completions, credited streams, errors, cancel. */
@ExtendWith(VertxExtension.class)
class EventBusApiTest {
  private Gateway gateway;

  static GatewayConfig config() {
    return ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("port", 0))
        .put("pools", new JsonObject().put("small", new JsonObject().put("instances", new JsonArray()
            .add(new JsonObject().put("id", "mock-a").put("provider", "mock").put("max_concurrency", 2)
                .put("mock", new JsonObject().put("latency_ms", 5).put("tokens_per_second", 2000)
                    .put("reply_tokens", 40)))))));
  }

  static JsonObject request() {
    return new JsonObject().put("model", "small")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    Gateway.start(vertx, config(), new dev.poolgate.ledger.LocalSlotLedger(vertx,
            dev.poolgate.ledger.LedgerOptions.DEFAULT), id -> true, false)
        .onComplete(ctx.succeeding(gw -> {
          gateway = gw;
          ctx.completeNow();
        }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    gateway.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void completionComesBackAsTheReply(Vertx vertx, VertxTestContext ctx) {
    new PoolgateBusClient(vertx).chat(request()).onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
      assertEquals("chat.completion", answer.getString("object"));
      assertEquals(40, answer.getJsonObject("usage").getInteger("completion_tokens"));
      ctx.completeNow();
    })));
  }

  @Test
  void errorsCarryStatusAndOpenAiShape(Vertx vertx, VertxTestContext ctx) {
    new PoolgateBusClient(vertx).chat(request().put("model", "nope")).onComplete(ctx.failing(e -> ctx.verify(() -> {
      PoolgateBusClient.PoolgateError error = (PoolgateBusClient.PoolgateError) e;
      assertEquals(404, error.status());
      assertEquals("model_not_found", error.error().getJsonObject("error").getString("code"));
      ctx.completeNow();
    })));
  }

  @Test
  void streamDeliversEveryChunkThenEnds(Vertx vertx, VertxTestContext ctx) {
    List<JsonObject> chunks = new ArrayList<>();
    new PoolgateBusClient(vertx).stream(request(), 4)
        .handler(chunks::add)
        .exceptionHandler(ctx::failNow)
        .endHandler(v -> ctx.verify(() -> {
          // role chunk + 40 content chunks + finish chunk
          assertEquals(42, chunks.size());
          assertEquals("stop", chunks.get(41).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
          ctx.completeNow();
        }));
  }

  @Test
  void gatewayNeverSendsMoreThanTheCreditAndCancelReleasesTheSlot(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    String to = "test.stream." + System.nanoTime();
    AtomicInteger received = new AtomicInteger();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(to, msg -> received.incrementAndGet());
    consumer.completion()
        .compose(v -> vertx.eventBus().request(BusProtocol.ADDRESS, request().put("stream", true),
            new DeliveryOptions().addHeader(BusProtocol.STREAM_TO, to).addHeader(BusProtocol.CREDIT, "3")))
        .compose(v -> vertx.timer(300))
        .compose(v -> {
          ctx.verify(() -> assertEquals(3, received.get(), "chunks sent with a credit of 3"));
          vertx.eventBus().send(to + ".control", new JsonObject().put("credit", 2));
          return vertx.timer(300);
        })
        .compose(v -> {
          ctx.verify(() -> assertEquals(5, received.get(), "chunks sent after 2 more credits"));
          vertx.eventBus().send(to + ".control", new JsonObject().put("cancel", true));
          return waitIdle(vertx, 50);
        })
        .onComplete(ctx.succeeding(v -> ctx.completeNow()));
    assertTrue(ctx.awaitCompletion(10, TimeUnit.SECONDS));
  }

  /** Polls the ledger until no slot is held and nothing waits (bounded). */
  static Future<Void> waitIdle(Vertx vertx, int tries) {
    return new SchedulerClient(vertx).snapshot().compose(pools -> {
      boolean idle = pools.stream().allMatch(p -> p.inFlight() == 0 && p.queued() == 0);
      if (idle) {
        return Future.succeededFuture();
      }
      if (tries <= 0) {
        return Future.failedFuture("ledger not idle: " + pools.stream().map(PoolSnapshot::toString).toList());
      }
      return vertx.timer(50).compose(x -> waitIdle(vertx, tries - 1));
    });
  }
}
