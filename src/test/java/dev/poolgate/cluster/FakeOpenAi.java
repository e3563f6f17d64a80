package dev.poolgate.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slow OpenAI upstream: answers chat completions after a fixed delay, byte for byte in the real
 * wire format, and records the most requests it ever had in flight at once.
 */
public final class FakeOpenAi {
  private final Vertx vertx;
  private final long delayMs;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger served = new AtomicInteger();
  private HttpServer server;

  public FakeOpenAi(Vertx vertx, long delayMs) {
    this.vertx = vertx;
    this.delayMs = delayMs;
  }

  public Future<Integer> start() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(0, "127.0.0.1").map(HttpServer::actualPort);
  }

  public int maxInFlight() {
    return maxInFlight.get();
  }

  public int inFlight() {
    return inFlight.get();
  }

  public int served() {
    return served.get();
  }

  public void resetMax() {
    maxInFlight.set(inFlight.get());
  }

  public Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest req) {
    if (req.path().endsWith("/models")) {
      req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("object", "list").put("data", new JsonArray()).encode());
      return;
    }
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    AtomicInteger once = new AtomicInteger();
    Runnable done = () -> {
      if (once.getAndIncrement() == 0) {
        inFlight.decrementAndGet();
      }
    };
    req.connection().closeHandler(v -> done.run());
    req.body().onSuccess(body -> vertx.setTimer(delayMs, id -> {
      JsonObject answer = new JsonObject()
          .put("id", "chatcmpl-fake").put("object", "chat.completion").put("created", System.currentTimeMillis() / 1000)
          .put("model", "fake-model")
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
              .put("message", new JsonObject().put("role", "assistant").put("content", "hello"))))
          .put("usage", new JsonObject().put("prompt_tokens", 3).put("completion_tokens", 1).put("total_tokens", 4));
      done.run();
      served.incrementAndGet();
      req.response().putHeader("content-type", "application/json").end(answer.encode());
    }));
  }
}
