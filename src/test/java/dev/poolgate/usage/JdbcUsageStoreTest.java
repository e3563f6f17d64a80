package dev.poolgate.usage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store on a real H2 file database in a temporary directory. */
class JdbcUsageStoreTest {
  static final LocalDate DAY = LocalDate.of(2026, 3, 14);

  @TempDir
  Path dir;

  String url() {
    return "jdbc:h2:file:" + dir.resolve("nested/usage");
  }

  @Test
  void batchesAddUpAndSurviveAReopen() throws SQLException {
    try (JdbcUsageStore store = new JdbcUsageStore(url(), null, null)) {
      store.add(List.of(new UsageRow(DAY, "team-a", "gpt-4o", 2, 100, 50, 1),
          new UsageRow(DAY, "anonymous", "gpt-4o", 1, 10, 5, 0)));
      store.add(List.of(new UsageRow(DAY, "team-a", "gpt-4o", 3, 30, 20, 0),
          new UsageRow(DAY.plusDays(1), "team-a", "gpt-4o", 1, 1, 1, 1)));
    }
    assertTrue(Files.isDirectory(dir.resolve("nested")), "the database's directory is created");

    try (JdbcUsageStore reopened = new JdbcUsageStore(url(), null, null)) {
      assertEquals(List.of(
          new UsageRow(DAY, "anonymous", "gpt-4o", 1, 10, 5, 0),
          new UsageRow(DAY, "team-a", "gpt-4o", 5, 130, 70, 1),
          new UsageRow(DAY.plusDays(1), "team-a", "gpt-4o", 1, 1, 1, 1)),
          reopened.query(new UsageQuery(DAY, DAY.plusDays(1), null, null)));
      reopened.add(List.of(new UsageRow(DAY, "anonymous", "gpt-4o", 1, 1, 1, 1)));
      assertEquals(List.of(new UsageRow(DAY, "anonymous", "gpt-4o", 2, 11, 6, 1)),
          reopened.query(new UsageQuery(DAY, DAY, "anonymous", null)));
    }
  }

  @Test
  void queriesFilterByDaysKeyAndModel() throws SQLException {
    try (JdbcUsageStore store = new JdbcUsageStore(url(), null, null)) {
      store.add(List.of(
          new UsageRow(DAY.minusDays(1), "a", "m1", 1, 0, 0, 0),
          new UsageRow(DAY, "a", "m1", 2, 0, 0, 0),
          new UsageRow(DAY, "a", "m2", 3, 0, 0, 0),
          new UsageRow(DAY, "b", "m1", 4, 0, 0, 0),
          new UsageRow(DAY.plusDays(1), "b", "m2", 5, 0, 0, 0)));
      assertEquals(List.of(2L, 3L, 4L), requests(store.query(new UsageQuery(DAY, DAY, null, null))));
      assertEquals(List.of(1L, 2L, 3L), requests(store.query(new UsageQuery(DAY.minusDays(5), DAY, "a", null))));
      assertEquals(List.of(4L, 5L), requests(store.query(new UsageQuery(DAY, DAY.plusDays(1), "b", null))));
      assertEquals(List.of(3L, 5L), requests(store.query(new UsageQuery(DAY, DAY.plusDays(9), null, "m2"))));
      assertEquals(List.of(2L), requests(store.query(new UsageQuery(DAY, DAY, "a", "m1"))));
      assertEquals(List.of(), store.query(new UsageQuery(DAY.plusDays(2), DAY.plusDays(3), null, null)));
    }
  }

  @Test
  void aBatchThatFailsIsNotCountedAtAll() throws SQLException {
    try (JdbcUsageStore store = new JdbcUsageStore(url(), null, null)) {
      store.add(List.of(new UsageRow(DAY, "a", "m", 1, 0, 0, 0)));
      // the second row breaks the NOT NULL constraint: the first row's update must roll back with it
      assertThrows(SQLException.class, () -> store.add(List.of(new UsageRow(DAY, "a", "m", 1, 0, 0, 0),
          new UsageRow(DAY, "b", null, 1, 0, 0, 0))));
      assertEquals(List.of(1L), requests(store.query(new UsageQuery(DAY, DAY, null, null))),
          "after a failure the store reconnects and the failed batch left nothing");
    }
  }

  @Test
  void anUnreachableDatabaseFailsWithAnSqlException() throws Exception {
    Files.writeString(dir.resolve("blocker"), "a file where the database's directory should be");
    try (JdbcUsageStore store = new JdbcUsageStore("jdbc:h2:file:" + dir.resolve("blocker/usage"), null, null)) {
      assertThrows(SQLException.class, () -> store.add(List.of(new UsageRow(DAY, "a", "m", 1, 0, 0, 0))));
    }
  }

  @Test
  void h2IsKeptOpenUntilTheStoreClosesIt() {
    assertEquals("jdbc:h2:file:./x;DB_CLOSE_ON_EXIT=FALSE", JdbcUsageStore.embeddedSafe("jdbc:h2:file:./x"));
    assertEquals("jdbc:h2:mem:x;db_close_on_exit=true", JdbcUsageStore.embeddedSafe("jdbc:h2:mem:x;db_close_on_exit=true"));
    assertEquals("jdbc:postgresql://db/usage", JdbcUsageStore.embeddedSafe("jdbc:postgresql://db/usage"));
  }

  static List<Long> requests(List<UsageRow> rows) {
    return rows.stream().map(UsageRow::requests).toList();
  }
}
