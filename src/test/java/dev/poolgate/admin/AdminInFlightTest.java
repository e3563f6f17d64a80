package dev.poolgate.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static dev.poolgate.admin.AdminClient.ENV;
import static dev.poolgate.admin.AdminClient.config;
import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An admin change never drops a request in flight: a stream on an instance that changes, then goes, finishes. */
@ExtendWith(VertxExtension.class)
class AdminInFlightTest {
  private AdminClient node;

  @AfterEach
  void stop() {
    if (node != null) {
      await(node.close());
    }
  }

  @Test
  void aStreamOnAChangedThenRemovedInstanceFinishesNormally(Vertx vertx) {
    JsonObject cfg = config();
    // s1 streams 30 tokens at 20 per second: about 1.5 s in flight
    cfg.getJsonObject("pools").put("s", new JsonObject().put("instances", new JsonArray().add(new JsonObject()
        .put("id", "s1").put("provider", "mock").put("max_concurrency", 1)
        .put("mock", new JsonObject().put("latency_ms", 50).put("tokens_per_second", 20).put("reply_tokens", 30)))));
    node = AdminClient.start(vertx, cfg, new LocalConfigStore(), ENV);
    JsonObject chat = new JsonObject().put("model", "s").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    WebClient web = WebClient.create(vertx);
    Future<HttpResponse<Buffer>> stream = web.post(node.port, "127.0.0.1", "/v1/chat/completions")
        .timeout(20_000).sendJsonObject(chat);
    until("the stream holds s1's slot", () -> node.instance("s", "s1").inFlight() == 1);

    assertEquals(200, node.patch("/admin/pools/s/instances/s1", new JsonObject().put("weight", 3)
        .put("max_concurrency", 2)).status());
    assertEquals(201, node.post("/admin/pools/s/instances", AdminClient.mock("s2", 1)).status());
    assertEquals(204, node.delete("/admin/pools/s/instances/s1").status());
    until("s1 is out of the config", () -> !node.admin().config().instances().containsKey("s1"));
    assertTrue(!stream.isComplete(), "the stream was still running when its instance was removed");

    HttpResponse<Buffer> done = await(stream, Duration.ofSeconds(20));
    assertEquals(200, done.statusCode());
    String body = done.bodyAsString();
    assertTrue(body.trim().endsWith("data: [DONE]"), "the stream finished normally:\n" + body);
    assertTrue(!body.contains("\"error\""), body);
    until("the slot came back", () -> {
      // read once: the retired instance leaves the snapshot as soon as its last slot comes back
      var s1 = node.instance("s", "s1");
      return s1 == null || s1.inFlight() == 0;
    });
    assertEquals(200, node.chat("s").status(), "s2 serves");
    web.close();
  }
}
