package dev.poolgate.usage;

import dev.poolgate.metrics.RequestTrace;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's usage counts not yet in the database, summed per (day UTC, client key, model). Every
 * finished request adds to it on its event loop (one short lock, no I/O); the flusher takes the
 * batch with {@link #drain()} and hands it back with {@link #restore} when the database could not
 * take it. Bounded: beyond {@code maxRows} distinct rows the oldest days are dropped.
 */
public final class UsageAggregator {
  /** The client key name of requests made without one (the gateway runs open). */
  public static final String ANONYMOUS = "anonymous";
  /** Distinct (day, key, model) rows kept while the database is down; about 200 bytes each. */
  public static final int DEFAULT_MAX_ROWS = 100_000;

  private final Clock clock;
  private final int maxRows;
  private final boolean on;
  private Map<UsageRow.Key, UsageRow> rows = new HashMap<>();

  public UsageAggregator(Clock clock, int maxRows) {
    this(clock, maxRows, true);
  }

  private UsageAggregator(Clock clock, int maxRows, boolean on) {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be at least 1");
    }
    this.clock = clock;
    this.maxRows = maxRows;
    this.on = on;
  }

  /** An aggregator that records nothing ({@code usage.enabled: false}). */
  public static UsageAggregator off() {
    return new UsageAggregator(Clock.systemUTC(), 1, false);
  }

  public boolean on() {
    return on;
  }

  /** A finished request, on today's (UTC) row; an error is a status of 400 or more. */
  public void record(RequestTrace trace) {
    if (on) {
      record(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), trace.clientKey(), trace.model(), trace.tokensIn(),
          trace.tokensOut(), trace.status() >= 400);
    }
  }

  public void record(LocalDate day, String clientKey, String model, long tokensIn, long tokensOut, boolean error) {
    if (!on) {
      return;
    }
    UsageRow.Key key = new UsageRow.Key(day, clientKey == null ? ANONYMOUS : clientKey,
        model == null ? "unknown" : model);
    UsageRow add = UsageRow.of(key, 1, Math.max(0, tokensIn), Math.max(0, tokensOut), error ? 1 : 0);
    synchronized (this) {
      rows.merge(key, add, UsageRow::plus);
    }
  }

  /** Takes every row counted so far; the aggregator starts empty. */
  public List<UsageRow> drain() {
    Map<UsageRow.Key, UsageRow> taken;
    synchronized (this) {
      if (rows.isEmpty()) {
        return List.of();
      }
      taken = rows;
      rows = new HashMap<>();
    }
    return new ArrayList<>(taken.values());
  }

  /** A copy of the rows counted so far, left in place. */
  public synchronized List<UsageRow> snapshot() {
    return new ArrayList<>(rows.values());
  }

  public synchronized boolean isEmpty() {
    return rows.isEmpty();
  }

  public synchronized int size() {
    return rows.size();
  }

  /**
   * Puts back a batch that could not be written, added to what was counted meanwhile. If that
   * makes more than {@code maxRows} rows, the rows of the oldest days go first.
   *
   * @return the rows dropped (empty unless over the bound)
   */
  public List<UsageRow> restore(Collection<UsageRow> batch) {
    synchronized (this) {
      for (UsageRow r : batch) {
        rows.merge(r.key(), r, UsageRow::plus);
      }
      if (rows.size() <= maxRows) {
        return List.of();
      }
      List<UsageRow.Key> oldestFirst = new ArrayList<>(rows.keySet());
      oldestFirst.sort(null);
      List<UsageRow> dropped = new ArrayList<>();
      for (int i = 0; rows.size() > maxRows; i++) {
        dropped.add(rows.remove(oldestFirst.get(i)));
      }
      return dropped;
    }
  }
}
