package dev.poolgate.admin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.poolgate.admin.AdminClient.ENV;
import static dev.poolgate.admin.AdminClient.config;
import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admin changes are written to the state directory and supersede the config file after a restart. */
@ExtendWith(VertxExtension.class)
class AdminPersistenceTest {
  private AdminClient node;

  @AfterEach
  void stop() {
    if (node != null) {
      await(node.close());
    }
  }

  private static JsonObject withStateDir(Path dir) {
    JsonObject cfg = config();
    cfg.getJsonObject("admin").put("state_dir", dir.toString());
    return cfg;
  }

  @Test
  void aChangeSurvivesARestartAndSupersedesTheFile(Vertx vertx, @TempDir Path dir) throws Exception {
    JsonObject file = withStateDir(dir);
    node = AdminClient.start(vertx, file, new LocalConfigStore(), ENV);
    assertEquals(200, node.patch("/admin/pools/q/instances/q1", new JsonObject().put("weight", 5)).status());
    assertEquals(201, node.post("/admin/models", new JsonObject().put("name", "fast").put("pool", "q")).status());
    Path state = dir.resolve(StateFile.NAME);
    dev.poolgate.testing.Await.until("version 2 persisted", () -> {
      ConfigDocument onDisk = StateFile.read(dir);
      return onDisk != null && onDisk.version() == 2;
    });
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left beside " + state);
    }
    await(node.close());

    // every node restarts on the same file and state directory, with a fresh (empty) store
    node = AdminClient.start(vertx, file, new LocalConfigStore(), ENV);
    assertEquals(2, node.admin().version(), "the persisted document is in force");
    assertEquals(5, node.admin().config().instances().get("q1").weight());
    assertEquals("q", node.admin().config().models().get("fast"));
    assertEquals(200, node.chat("fast").status());

    // while the admin document is in force, edits of the file are ignored
    JsonObject edited = file.copy();
    edited.getJsonObject("pools").getJsonObject("q").getJsonArray("instances").getJsonObject(0).put("weight", 9);
    node.admin().fileChanged(edited);
    assertEquals(5, node.admin().config().instances().get("q1").weight());
    assertEquals(2, node.admin().version());

    assertEquals(200, node.patch("/admin/pools/q/instances/q1", new JsonObject().put("weight", 6)).status());
    dev.poolgate.testing.Await.until("version 3 persisted", () -> StateFile.read(dir).version() == 3);
  }

  @Test
  void withoutAnAdminDocumentTheFileStillReloads(Vertx vertx, @TempDir Path dir) {
    JsonObject file = withStateDir(dir);
    node = AdminClient.start(vertx, file, new LocalConfigStore(), ENV);
    JsonObject edited = node.admin().document().config().copy();
    edited.getJsonObject("pools").getJsonObject("q").getJsonArray("instances").getJsonObject(0).put("weight", 9);
    node.admin().fileChanged(edited);
    assertEquals(9, node.admin().config().instances().get("q1").weight());
    dev.poolgate.testing.Await.until("the ledger took the file's weight", () -> node.instance("q", "q1").weight() == 9);
    assertNull(StateFile.read(dir), "the file's own config is not admin state");
  }

  @Test
  void theHighestVersionAmongThePersistedCopyAndTheStoreWins(Vertx vertx, @TempDir Path dir) {
    JsonObject file = withStateDir(dir);
    JsonObject shared = file.copy();
    shared.remove("server");
    shared.getJsonObject("admin").remove("state_dir");

    // the node's persisted copy (v5) is newer than the cluster's (v2): it is stored and in force
    StateFile.write(dir, ConfigDocument.of(5, shared.copy().put("default_pool", "q")));
    LocalConfigStore store = new LocalConfigStore();
    await(store.compareAndSet(0, ConfigDocument.of(2, shared.copy())));
    AdminState newer = await(AdminState.open(vertx, file, store, ENV));
    assertEquals(5, newer.version());
    assertEquals("q", newer.config().defaultPool());
    assertEquals(5, await(store.current()).version(), "the cluster moved to it");

    // the cluster's (v7) is newer than the persisted copy (v5): it is in force and persisted
    LocalConfigStore ahead = new LocalConfigStore();
    await(ahead.compareAndSet(0, ConfigDocument.of(7, shared.copy().put("default_pool", "p"))));
    AdminState older = await(AdminState.open(vertx, file, ahead, ENV));
    assertEquals(7, older.version());
    assertEquals("p", older.config().defaultPool());
    assertEquals(7, StateFile.read(dir).version());
    assertEquals(dir.toString(), older.config().admin().stateDir(), "the state directory stays the node's own");
  }

  @Test
  void aStateFileThatNoLongerValidatesStopsTheStartNamingTheKey(Vertx vertx, @TempDir Path dir) {
    JsonObject file = withStateDir(dir);
    JsonObject broken = file.copy();
    broken.getJsonObject("pools").getJsonObject("q").put("strategy", "nope");
    StateFile.write(dir, ConfigDocument.of(4, broken));
    Throwable t = dev.poolgate.testing.Await.awaitFailure(AdminState.open(vertx, file, new LocalConfigStore(), ENV));
    assertTrue(t.getMessage().startsWith("pools.q.strategy: "), t.getMessage());
    assertTrue(t.getMessage().contains("version 4"), t.getMessage());
  }
}
