package dev.poolgate.usage;

import dev.poolgate.metrics.RequestTrace;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageAggregatorTest {
  static final LocalDate DAY = LocalDate.of(2026, 3, 14);

  static List<UsageRow> sorted(List<UsageRow> rows) {
    return rows.stream().sorted(Comparator.comparing(UsageRow::key)).toList();
  }

  @Test
  void requestsOfOneDayKeyAndModelAddUp() {
    UsageAggregator agg = new UsageAggregator(Clock.systemUTC(), 100);
    agg.record(DAY, "team-a", "gpt-4o", 10, 5, false);
    agg.record(DAY, "team-a", "gpt-4o", 7, 3, true);
    agg.record(DAY, "team-a", "gpt-4o-mini", 1, 1, false);
    agg.record(DAY, null, "gpt-4o", 2, 2, false);
    agg.record(DAY.plusDays(1), "team-a", "gpt-4o", 4, 4, false);

    assertEquals(List.of(
        new UsageRow(DAY, "anonymous", "gpt-4o", 1, 2, 2, 0),
        new UsageRow(DAY, "team-a", "gpt-4o", 2, 17, 8, 1),
        new UsageRow(DAY, "team-a", "gpt-4o-mini", 1, 1, 1, 0),
        new UsageRow(DAY.plusDays(1), "team-a", "gpt-4o", 1, 4, 4, 0)), sorted(agg.drain()));
    assertTrue(agg.isEmpty(), "drain hands the batch over");
    assertEquals(List.of(), agg.drain());
  }

  @Test
  void aFinishedTraceCountsOnTodayInUtcWithErrorsFrom400() {
    Clock clock = Clock.fixed(Instant.parse("2026-03-14T23:59:59Z"), ZoneOffset.ofHours(5));
    UsageAggregator agg = new UsageAggregator(clock, 100);
    RequestTrace ok = new RequestTrace("r1", "chat", "gpt-4o", 0);
    ok.clientKey("team-b");
    ok.usage(12, 30);
    ok.finished(200, null);
    RequestTrace upstream4xx = new RequestTrace("r2", "chat", "gpt-4o", 0);
    upstream4xx.clientKey("team-b");
    upstream4xx.passedThrough(400);
    upstream4xx.finished(200, null);
    RequestTrace failed = new RequestTrace("r3", "chat", "gpt-4o", 0);
    failed.finished(502, "upstream_error");
    agg.record(ok);
    agg.record(upstream4xx);
    agg.record(failed);

    assertEquals(List.of(
        new UsageRow(DAY, "anonymous", "gpt-4o", 1, 0, 0, 1),
        new UsageRow(DAY, "team-b", "gpt-4o", 2, 12, 30, 1)), sorted(agg.drain()));
  }

  @Test
  void restoredBatchAddsToWhatWasCountedMeanwhile() {
    UsageAggregator agg = new UsageAggregator(Clock.systemUTC(), 100);
    agg.record(DAY, "k", "m", 1, 1, false);
    List<UsageRow> batch = agg.drain();
    agg.record(DAY, "k", "m", 2, 2, true);
    assertEquals(List.of(), agg.restore(batch));
    assertEquals(List.of(new UsageRow(DAY, "k", "m", 2, 3, 3, 1)), agg.snapshot());
    assertEquals(1, agg.size(), "a snapshot leaves the rows in place");
  }

  @Test
  void overTheBoundTheOldestDaysAreDropped() {
    UsageAggregator agg = new UsageAggregator(Clock.systemUTC(), 3);
    List<UsageRow> batch = List.of(
        new UsageRow(DAY, "k", "m", 5, 0, 0, 0),
        new UsageRow(DAY.plusDays(1), "k", "m", 6, 0, 0, 0),
        new UsageRow(DAY.plusDays(2), "k", "m", 7, 0, 0, 0));
    agg.record(DAY.plusDays(3), "k", "m", 0, 0, false);
    agg.record(DAY.plusDays(3), "k", "m2", 0, 0, false);

    List<UsageRow> dropped = agg.restore(batch);

    assertEquals(List.of(batch.get(0), batch.get(1)), sorted(dropped));
    assertEquals(List.of(DAY.plusDays(2), DAY.plusDays(3), DAY.plusDays(3)),
        sorted(agg.snapshot()).stream().map(UsageRow::day).toList());
  }

  @Test
  void offRecordsNothing() {
    UsageAggregator agg = UsageAggregator.off();
    agg.record(DAY, "k", "m", 1, 1, false);
    assertTrue(agg.isEmpty());
  }
}
