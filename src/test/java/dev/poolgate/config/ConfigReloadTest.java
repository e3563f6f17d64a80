package dev.poolgate.config;

import dev.poolgate.Gateway;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.LocalSlotLedger;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Editing the config file applies new instances, caps and weights without dropping requests in flight. */
@ExtendWith(VertxExtension.class)
class ConfigReloadTest {

  private static String yaml(int port, int capA, String extraInstance) {
    return """
        server: { host: 127.0.0.1, port: %d }
        usage: { jdbc_url: "jdbc:h2:mem:config-reload-test" }
        pools:
          small:
            instances:
              - { id: a, provider: mock, max_concurrency: %d, weight: 1, mock: { latency_ms: 600, reply_tokens: 2, tokens_per_second: 1000 } }
        %s
        """.formatted(port, capA, extraInstance);
  }

  @Test
  void editedFileAppliesWithoutDroppingRequestsInFlight(Vertx vertx, VertxTestContext ctx, @TempDir Path dir)
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml(port, 1, ""));
    ConfigLoader loader = new ConfigLoader(vertx, file.toString(), 100);
    WebClient client = WebClient.create(vertx);
    JsonObject chat = new JsonObject().put("model", "small")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    SchedulerClient scheduler = new SchedulerClient(vertx);
    int p = port;
    loader.load().compose(cfg -> Gateway.start(vertx, cfg, new LocalSlotLedger(vertx, LedgerOptions.DEFAULT),
        id -> true, true)).compose(gw -> {
      loader.watch(gw::apply);
      // a request in flight on the old config
      Future<Integer> inFlight = client.request(HttpMethod.POST, p, "127.0.0.1", "/v1/chat/completions")
          .sendJsonObject(chat).map(r -> r.statusCode());
      return vertx.timer(100).compose(v -> {
        try {
          Files.writeString(file, yaml(p, 3, "      - { id: b, provider: mock, max_concurrency: 2, weight: 5 }"));
        } catch (Exception e) {
          return Future.failedFuture(e);
        }
        return waitFor(vertx, scheduler, 60);
      }).compose(instances -> {
        ctx.verify(() -> {
          assertEquals(3, instances.get("a").maxConcurrency());
          assertEquals(2, instances.get("b").maxConcurrency());
          assertEquals(5, instances.get("b").weight());
        });
        return inFlight;
      }).compose(status -> {
        ctx.verify(() -> assertEquals(200, status, "the request in flight finished normally"));
        return gw.close();
      });
    }).onComplete(ctx.succeeding(v -> {
      loader.close();
      ctx.completeNow();
    }));
  }

  @Test
  void invalidEditIsIgnored(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml(0, 1, ""));
    ConfigLoader loader = new ConfigLoader(vertx, file.toString(), 100);
    loader.load().onComplete(ctx.succeeding(cfg -> {
      loader.watch(next -> ctx.failNow("an invalid config must not be applied"));
      try {
        Files.writeString(file, yaml(0, 0, ""));
      } catch (Exception e) {
        ctx.failNow(e);
      }
      vertx.setTimer(600, id -> {
        loader.close();
        ctx.completeNow();
      });
    }));
  }

  private static Future<Map<String, InstanceSnapshot>> waitFor(Vertx vertx, SchedulerClient scheduler, int tries) {
    return scheduler.snapshot().compose(pools -> {
      Map<String, InstanceSnapshot> byId = pools.stream().map(PoolSnapshot::instances)
          .flatMap(java.util.List::stream).collect(Collectors.toMap(InstanceSnapshot::id, Function.identity()));
      if (byId.containsKey("b") || tries <= 0) {
        assertTrue(byId.containsKey("b"), "instance b appeared after the edit");
        return Future.succeededFuture(byId);
      }
      return vertx.timer(50).compose(v -> waitFor(vertx, scheduler, tries - 1));
    });
  }
}
