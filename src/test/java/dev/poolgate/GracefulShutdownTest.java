package dev.poolgate;

import dev.poolgate.testing.PrivateState;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shutdown: readiness goes false, new requests are refused, requests in flight finish. */
@ExtendWith(VertxExtension.class)
class GracefulShutdownTest {

  @Test
  void drainsRequestsInFlightAndRefusesNewOnes(Vertx vertx, VertxTestContext ctx) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    GatewayConfig config = ConfigLoader.parse(new JsonObject().put("usage", PrivateState.usage())
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("pools", new JsonObject().put("small", new JsonObject().put("instances", new JsonArray()
            .add(new JsonObject().put("id", "m").put("provider", "mock").put("max_concurrency", 4)
                .put("mock", new JsonObject().put("latency_ms", 1500).put("reply_tokens", 3)
                    .put("tokens_per_second", 1000)))))));
    WebClient client = WebClient.create(vertx);
    JsonObject chat = new JsonObject().put("model", "small")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Gateway.start(vertx, config).compose(gw -> {
      Future<HttpResponse<io.vertx.core.buffer.Buffer>> inFlight =
          client.request(HttpMethod.POST, port, "127.0.0.1", "/v1/chat/completions").sendJsonObject(chat);
      return untilInFlight(vertx, gw, 100).compose(v -> {
        Future<Void> shutdown = gw.shutdown(5_000);
        return client.get(port, "127.0.0.1", "/health/ready").send()
            .compose(ready -> {
              ctx.verify(() -> assertEquals(503, ready.statusCode(), "not ready while draining"));
              return client.request(HttpMethod.POST, port, "127.0.0.1", "/v1/chat/completions").sendJsonObject(chat);
            })
            .compose(refused -> {
              ctx.verify(() -> {
                assertEquals(503, refused.statusCode());
                assertEquals("shutting_down", refused.bodyAsJsonObject().getJsonObject("error").getString("code"));
              });
              return inFlight;
            })
            .compose(done -> {
              ctx.verify(() -> assertEquals(200, done.statusCode(), "the request in flight completed"));
              return shutdown;
            });
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** Waits (bounded) until the gateway has taken the first request in. */
  private static Future<Void> untilInFlight(Vertx vertx, Gateway gw, int tries) {
    if (gw.node().inFlight() > 0) {
      return Future.succeededFuture();
    }
    if (tries <= 0) {
      return Future.failedFuture("the first request never arrived");
    }
    return vertx.timer(20).compose(v -> untilInFlight(vertx, gw, tries - 1));
  }
}
