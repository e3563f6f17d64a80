package dev.poolgate.console;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console's ring buffer, its mergeable histograms, the cluster sum and the member roster. */
class ConsoleSeriesTest {
  private static final long MS = 1_000_000;
  private static final long T0 = 1_700_000_000_000L;

  private static void ok(ConsoleSeries s, long at, String pool, long latencyMs) {
    s.record(at, pool, 200, 0, false, false, 10, 20, latencyMs * MS, latencyMs * MS / 2, 0);
  }

  @Test
  void histogramPercentilesAreWithinABucketAndMergeExactly() {
    LatencyHistogram a = new LatencyHistogram();
    LatencyHistogram b = new LatencyHistogram();
    for (int i = 1; i <= 99; i++) {
      a.addNanos(10 * MS);
    }
    b.addNanos(1_000 * MS);
    a.addNanos(-1);
    assertEquals(99, a.total(), "an unmeasured duration is not a sample");
    assertEquals(-1, new LatencyHistogram().percentile(0.5));
    a.merge(b);
    assertEquals(100, a.total());
    assertEquals(10, a.percentile(0.50), 10 * 0.05);
    assertEquals(10, a.percentile(0.99), 10 * 0.05, "99 of 100 samples are 10 ms");
    assertEquals(1_000, a.percentile(1.0), 1_000 * 0.05);
    LatencyHistogram back = LatencyHistogram.ofPairs(a.pairs());
    assertEquals(a.percentile(0.99), back.percentile(0.99));
    assertEquals(100, back.total());
    assertThrows(IllegalArgumentException.class, () -> LatencyHistogram.ofPairs(new long[] {9_999, 1}));
    assertThrows(IllegalArgumentException.class, () -> LatencyHistogram.ofPairs(new long[] {1}));
  }

  @Test
  void clusterPercentilesComeFromTheSumOfSamplesNotFromEachNodesPercentiles() {
    // node A: 90 fast answers; node B: 10 slow ones. Averaging p99s would say ~500 ms.
    ConsoleSeries a = new ConsoleSeries();
    ConsoleSeries b = new ConsoleSeries();
    for (int i = 0; i < 90; i++) {
      ok(a, T0, "p", 5);
    }
    for (int i = 0; i < 10; i++) {
      ok(b, T0 + 500, "p", 1_000);
    }
    long sec = T0 / 1000;
    ClusterSeries sum = new ClusterSeries().pool("p").add(a.range(sec, sec)).add(b.range(sec, sec));
    Map<String, double[][]> lines = sum.lines(sec, sec);
    double[][] p = lines.get("p");
    assertEquals(100, p[0][0], "requests ok in that second, both nodes");
    assertEquals(5, p[4][0], 5 * 0.05, "p50 of latency");
    assertEquals(1_000, p[5][0], 1_000 * 0.05, "p99 of latency");
    assertEquals(3_000, p[13][0], "tokens: 100 × (10 + 20)");
    assertEquals(100, lines.get(ClusterSeries.TOTAL)[0][0]);
  }

  @Test
  void outcomesRetriesFallbacksAndBorrowedSlotsAreCounted() {
    ConsoleSeries s = new ConsoleSeries();
    s.record(T0, "p", 429, 0, false, false, 0, 0, MS, -1, 5 * MS);
    s.record(T0, "p", 400, 0, false, false, 0, 0, MS, -1, -1);
    s.record(T0, "p", 502, 2, true, false, 0, 0, MS, -1, -1);
    s.record(T0, "p", 200, 1, false, true, 0, 0, MS, MS, -1);
    s.record(T0, "none", 401, 0, false, false, 0, 0, MS, -1, -1);
    long sec = T0 / 1000;
    Map<String, double[][]> lines = new ClusterSeries().pool("p").add(s.range(sec, sec)).lines(sec, sec);
    double[][] p = lines.get("p");
    assertEquals(1, p[0][0], "ok");
    assertEquals(1, p[1][0], "rejected (429)");
    assertEquals(1, p[2][0], "client error");
    assertEquals(1, p[3][0], "error");
    assertEquals(3, p[10][0], "retries");
    assertEquals(1, p[11][0], "fallbacks");
    assertEquals(1, p[12][0], "borrowed");
    assertTrue(!Double.isNaN(lines.get("p")[6][0]), "one answer had a first byte");
    assertEquals(2, lines.get(ClusterSeries.TOTAL)[2][0], "a request of no pool counts in the total");
    assertEquals(Set.of(ClusterSeries.TOTAL, "p"), lines.keySet(), "only configured pools get lines");
  }

  @Test
  void theRingKeepsItsLastSecondsAndNoMore() {
    ConsoleSeries s = new ConsoleSeries(10);
    for (int i = 0; i < 25; i++) {
      ok(s, T0 + i * 1000L, "p", 1);
    }
    long first = T0 / 1000;
    TreeMap<Long, Map<String, PoolSecond>> all = s.range(first, first + 24);
    assertEquals(10, all.size(), "bounded by its capacity");
    assertEquals(first + 15, all.firstKey());
    assertEquals(first + 24, all.lastKey());
    ok(s, T0, "p", 1);
    assertNull(s.range(first, first).get(first), "a second older than the ring is not recorded");
    Map<Long, Map<String, PoolSecond>> copy = s.range(first + 24, first + 24);
    copy.get(first + 24).get("p").add(200, 0, false, false, 0, 0, 0, 0, 0);
    assertEquals(1, s.range(first + 24, first + 24).get(first + 24).get("p").requests(), "readers get copies");
    assertEquals(ConsoleSeries.SECONDS, new ConsoleSeries().capacity(), "15 minutes at 1 s");
  }

  @Test
  void seriesCrossTheBusExactly() {
    ConsoleSeries s = new ConsoleSeries();
    s.record(T0, "p", 200, 1, true, true, 3, 4, 7 * MS, 2 * MS, 1 * MS);
    long sec = T0 / 1000;
    var back = SeriesJson.seconds(SeriesJson.seconds(s.range(sec, sec)));
    PoolSecond p = back.get(sec).get("p");
    assertEquals(1, p.requests());
    assertEquals(1, p.retries());
    assertEquals(1, p.fallbacks());
    assertEquals(1, p.borrowed());
    assertEquals(7, p.tokensIn() + p.tokensOut());
    assertEquals(7, p.latency().percentile(0.5), 7 * 0.05);
    assertEquals(1, p.queueWait().percentile(0.5), 0.05);
  }

  @Test
  void membersThatLeaveAreShownAsGone() {
    MemberRoster roster = new MemberRoster();
    var a = new MemberRoster.Info("a", "10.0.0.1:8080", 1_000);
    var b = new MemberRoster.Info("b", "10.0.0.2:8080", 2_000);
    var both = roster.update(Set.of("a", "b"), Map.of("a", a, "b", b), 10_000);
    assertEquals(2, both.size());
    assertEquals(9_000, both.get(0).uptimeMillis(10_000));
    var missing = roster.update(Set.of("a", "b"), Map.of("a", a), 11_000);
    assertEquals(MemberRoster.State.MISSING, missing.get(1).state(), "b did not answer this time");
    assertEquals("10.0.0.2:8080", missing.get(1).address(), "its last known address is kept");
    var left = roster.update(Set.of("a"), Map.of("a", a), 12_000);
    assertEquals(2, left.size());
    assertEquals(MemberRoster.State.GONE, left.get(1).state());
    assertEquals(12_000, left.get(1).leftAtMillis());
    var back = roster.update(Set.of("a", "b"), Map.of("a", a, "b", b), 13_000);
    assertTrue(back.stream().noneMatch(m -> m.state() == MemberRoster.State.GONE), "a member that rejoins is up");
    for (int i = 0; i < MemberRoster.MAX_GONE + 5; i++) {
      roster.update(Set.of("a", "x" + i), Map.of(), 14_000 + i);
    }
    assertTrue(roster.update(Set.of("a"), Map.of(), 20_000).size() <= MemberRoster.MAX_GONE + 1, "gone ones are bounded");
  }
}
