package dev.poolgate.usage;

import dev.poolgate.bus.BusNodes;

import dev.poolgate.config.UsageConfig;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flusher against a real H2 file database that is unreachable at first. */
@ExtendWith(VertxExtension.class)
class UsageVerticleTest {
  static final LocalDate DAY = LocalDate.of(2026, 3, 14);
  static final UsageQuery ALL = new UsageQuery(DAY, DAY, null, null);

  @TempDir
  Path dir;

  /** No periodic flush during the test: the test flushes. */
  UsageConfig config(String url) {
    return new UsageConfig(true, url, null, null, 60_000, false);
  }

  List<UsageRow> askNode(Vertx vertx) {
    Message<JsonObject> answer = await(vertx.eventBus().request(UsageVerticle.address(BusNodes.self(vertx)),
        ALL.toJson()));
    return UsageReport.rowsFromJson(answer.body().getJsonArray("rows"));
  }

  @Test
  void countsWaitInMemoryWhileTheDatabaseIsDownAndAreWrittenWhenItIsBack(Vertx vertx) throws Exception {
    Path blocker = Files.writeString(dir.resolve("db"), "a file where the database's directory should be");
    String url = "jdbc:h2:file:" + dir.resolve("db/usage");
    UsageAggregator usage = new UsageAggregator(Clock.systemUTC(), 100);
    UsageVerticle verticle = new UsageVerticle(config(url), usage);
    await(vertx.deployVerticle(verticle));

    usage.record(DAY, "a", "m", 10, 20, false);
    assertFalse(await(verticle.flush()), "the database cannot be opened");
    assertEquals(List.of(new UsageRow(DAY, "a", "m", 1, 10, 20, 0)), usage.snapshot(), "the batch was put back");
    usage.record(DAY, "a", "m", 1, 2, true);
    assertFalse(await(verticle.flush()));

    Files.delete(blocker);
    usage.record(DAY, "b", "m", 5, 5, false);
    assertTrue(await(verticle.flush()), "the database is reachable again");
    assertTrue(usage.isEmpty());
    try (JdbcUsageStore store = new JdbcUsageStore(url, null, null)) {
      assertEquals(List.of(new UsageRow(DAY, "a", "m", 2, 11, 22, 1), new UsageRow(DAY, "b", "m", 1, 5, 5, 0)),
          store.query(ALL));
    }
  }

  @Test
  void aNodeAnswersWithItsDatabaseAndWhatIsNotWrittenYet(Vertx vertx) {
    String url = "jdbc:h2:file:" + dir.resolve("usage");
    UsageAggregator usage = new UsageAggregator(Clock.systemUTC(), 100);
    UsageVerticle verticle = new UsageVerticle(config(url), usage);
    await(vertx.deployVerticle(verticle));
    usage.record(DAY, "a", "m", 1, 1, false);
    assertTrue(await(verticle.flush()));
    usage.record(DAY, "a", "m", 2, 2, false);
    usage.record(DAY.plusDays(1), "a", "m", 2, 2, false);

    assertEquals(List.of(new UsageRow(DAY, "a", "m", 2, 3, 3, 0)), askNode(vertx),
        "the written row and the pending one summed, the other day left out");
  }

  @Test
  void undeployingWritesTheLastCounts(Vertx vertx) throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("usage");
    UsageAggregator usage = new UsageAggregator(Clock.systemUTC(), 100);
    String id = await(vertx.deployVerticle(new UsageVerticle(config(url), usage)));
    usage.record(DAY, "a", "m", 3, 4, true);
    await(vertx.undeploy(id));
    assertTrue(usage.isEmpty());
    try (JdbcUsageStore store = new JdbcUsageStore(url, null, null)) {
      assertEquals(List.of(new UsageRow(DAY, "a", "m", 1, 3, 4, 1)), store.query(ALL));
    }
  }
}
