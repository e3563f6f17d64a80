package dev.poolgate.usage;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

  @Test
  void writersRacingToInsertTheSameRowsCountEachBatchOnce() throws Exception {
    int writers = 4;
    int rounds = 10;
    CyclicBarrier start = new CyclicBarrier(writers);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Integer>> retries = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        retries.add(pool.submit(() -> {
          int failed = 0;
          try (JdbcUsageStore store = store()) {
            for (int round = 0; round < rounds; round++) {
              // every writer adds the same two new rows at once, in different orders
              List<UsageRow> batch = new ArrayList<>(List.of(new UsageRow(DAY.plusDays(round), "a", "m", 1, 2, 3, 0),
                  new UsageRow(DAY.plusDays(round), "b", "m", 1, 0, 0, 1)));
              Collections.shuffle(batch);
              start.await(10, TimeUnit.SECONDS);
              while (true) {
                try {
                  store.add(batch);
                  break;
                } catch (SQLException lostTheRace) {
                  // as the flusher does: the batch left nothing behind and is written again
                  if (++failed > 100 * rounds) {
                    throw lostTheRace;
                  }
                }
              }
            }
          }
          return failed;
        }));
      }
      for (Future<Integer> r : retries) {
        r.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try (JdbcUsageStore store = store()) {
      List<UsageRow> rows = store.query(new UsageQuery(DAY, DAY.plusDays(rounds), null, null));
      assertEquals(2 * rounds, rows.size());
      for (UsageRow row : rows) {
        assertEquals(writers, row.requests(), row.toString());
        assertEquals(row.clientKey().equals("a") ? 2L * writers : 0L, row.tokensIn(), row.toString());
        assertEquals(row.clientKey().equals("b") ? writers : 0L, row.errors(), row.toString());
      }
    }
  }

  static List<Long> requests(List<UsageRow> rows) {
    return rows.stream().map(UsageRow::requests).toList();
  }
}
