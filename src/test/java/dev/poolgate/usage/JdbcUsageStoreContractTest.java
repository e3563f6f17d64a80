package dev.poolgate.usage;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What every database the usage store runs on must do, on a real database: one subclass per
 * database ({@link H2UsageStoreTest}, {@link PostgresUsageStoreTest}). Each test starts on a
 * database without the usage table.
 */
abstract class JdbcUsageStoreContractTest {
  static final LocalDate DAY = LocalDate.of(2026, 3, 14);

  abstract String url();

  String user() {
    return null;
  }

  String password() {
    return null;
  }

  JdbcUsageStore store() {
    return new JdbcUsageStore(url(), user(), password());
  }

  @Test
  void batchesAddUpAndSurviveAReopen() throws SQLException {
    try (JdbcUsageStore store = store()) {
      store.add(List.of(new UsageRow(DAY, "team-a", "gpt-4o", 2, 100, 50, 1),
          new UsageRow(DAY, "anonymous", "gpt-4o", 1, 10, 5, 0)));
      store.add(List.of(new UsageRow(DAY, "team-a", "gpt-4o", 3, 30, 20, 0),
          new UsageRow(DAY.plusDays(1), "team-a", "gpt-4o", 1, 1, 1, 1)));
    }

    try (JdbcUsageStore reopened = store()) {
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
    try (JdbcUsageStore store = store()) {
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
    try (JdbcUsageStore store = store()) {
      store.add(List.of(new UsageRow(DAY, "a", "m", 1, 0, 0, 0)));
      // the second row breaks the NOT NULL constraint: the first row's update must roll back with it
      assertThrows(SQLException.class, () -> store.add(List.of(new UsageRow(DAY, "a", "m", 1, 0, 0, 0),
          new UsageRow(DAY, "b", null, 1, 0, 0, 0))));
      assertEquals(List.of(1L), requests(store.query(new UsageQuery(DAY, DAY, null, null))),
          "after a failure the store reconnects and the failed batch left nothing");
    }
  }

  static List<Long> requests(List<UsageRow> rows) {
    return rows.stream().map(UsageRow::requests).toList();
  }
}
