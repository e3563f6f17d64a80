package dev.poolgate.ledger;

import dev.poolgate.scheduling.AllotmentAnswer;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.Outcome;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This node's side of the allotments: slots of large instances that the shared ledger handed to
 * this node, so that while a pool is not full a request takes and gives back a slot here, with no
 * store operation. The units count against the instance's cap in the store, so the global cap
 * stays exact; what the node does with them it reports at each sync ({@link AllotmentSync}).
 *
 * <p>Rules that keep the shared guarantees:
 * <ul>
 *   <li>A unit is used only on an instance the last sync called usable (healthy, in service) and
 *       only while the pool is not contended. Once any ticket waits in the pool (the store says so
 *       in a sync answer, or a recall notice arrives), no unit starts a new request and every unit
 *       that frees up goes back at once, so free slots are handed out by the one shared queue in
 *       its priority order.</li>
 *   <li>The node never uses more units than the store records for it: a sync that gives units back
 *       lowers the count when it is sent; one that asks for more raises it only when answered.</li>
 *   <li>A failure is sent at once (with the successes before it, in order), so the instance's
 *       health moves as it would with per-request releases; successes are batched.</li>
 *   <li>Units the store no longer records under this book's epoch (purged while this node was
 *       unreachable, or expired) are lost: {@link #apply} names them so their requests are ended.</li>
 * </ul>
 *
 * <p>Plain and synchronized: callers are the ledger's context and its store callbacks.
 */
public final class NodeAllotments {

  /** Spare units kept beyond the recent peak, so a small rise in load stays on the fast path. */
  static final int MIN_SPARE = 2;

  private final String nodeId;
  private final int minCap;
  private final Map<String, Book> books = new HashMap<>();

  /** What a sync found: requests on these instances lost their units; the pool's grants to hand out. */
  public record Applied(List<String> lostInstances, boolean resyncNow) {
  }

  public NodeAllotments(String nodeId, int minCap) {
    this.nodeId = nodeId;
    this.minCap = minCap;
  }

  /** Instances below this cap are never allotted; 0 turns allotments off. */
  public int minCap() {
    return minCap;
  }

  private static final class Unit {
    int units;
    int inUse;
    boolean usable;
    final List<AllotmentSync.OutcomeRun> outcomes = new ArrayList<>();
    long ttfbSumMs;
    int ttfbCount;
  }

  private static final class Book {
    final long epoch = ThreadLocalRandom.current().nextLong();
    final Map<String, Unit> units = new LinkedHashMap<>();
    boolean contended;
    boolean syncing;
    boolean resync;
    /** Most units in use at once since the last sync: the allotment follows it. */
    int peak;
    /** Requests since the last sync that found no free unit here. */
    int misses;
    /** The last answer offered no growth: misses alone do not ask again until the next periodic sync. */
    boolean saturated;
    /** Units the last sync aimed at holding. */
    int desired;

    int inUse() {
      int n = 0;
      for (Unit u : units.values()) {
        n += u.inUse;
      }
      return n;
    }

    int units() {
      int n = 0;
      for (Unit u : units.values()) {
        n += u.units;
      }
      return n;
    }
  }

  /**
   * Takes a free unit for a request, on the usable instance with the most free units that the
   * request does not exclude.
   *
   * @return the instance, or null: the request goes through the shared queue
   */
  public synchronized String take(String pool, Set<String> excluded) {
    Book b = books.get(pool);
    if (b == null || b.contended) {
      return null;
    }
    String best = null;
    int bestFree = 0;
    for (Map.Entry<String, Unit> e : b.units.entrySet()) {
      Unit u = e.getValue();
      int free = u.units - u.inUse;
      if (u.usable && free > bestFree && !excluded.contains(e.getKey())) {
        best = e.getKey();
        bestFree = free;
      }
    }
    if (best == null) {
      return null;
    }
    b.units.get(best).inUse++;
    b.peak = Math.max(b.peak, b.inUse());
    return best;
  }

  /**
   * A request that found no free unit: counts toward the next growth.
   *
   * @return true if a sync should run now to ask for units
   */
  public synchronized boolean miss(String pool) {
    Book b = books.computeIfAbsent(pool, p -> new Book());
    b.misses++;
    return !b.contended && !b.saturated;
  }

  /**
   * A request on a unit ended.
   *
   * @param ttfbMs its time to first byte, negative if there was no answer
   * @return true if a sync should run now (a failure to report, or a unit to give back to a
   *         contended pool)
   */
  public synchronized boolean give(String pool, String instanceId, Outcome outcome, String error, long ttfbMs) {
    Book b = books.get(pool);
    Unit u = b == null ? null : b.units.get(instanceId);
    if (u == null || u.inUse == 0) {
      return false;
    }
    u.inUse--;
    if (outcome == Outcome.FAILURE) {
      u.outcomes.add(new AllotmentSync.OutcomeRun(Outcome.FAILURE, 1, error));
    } else if (outcome == Outcome.SUCCESS) {
      int last = u.outcomes.size() - 1;
      if (last >= 0 && u.outcomes.get(last).outcome() == Outcome.SUCCESS) {
        u.outcomes.set(last, new AllotmentSync.OutcomeRun(Outcome.SUCCESS, u.outcomes.get(last).count() + 1, null));
      } else {
        u.outcomes.add(new AllotmentSync.OutcomeRun(Outcome.SUCCESS, 1, null));
      }
    }
    if (ttfbMs >= 0) {
      u.ttfbSumMs += ttfbMs;
      u.ttfbCount++;
    }
    return outcome == Outcome.FAILURE || b.contended || !u.usable;
  }

  /** Tickets wait in the pool (a recall notice, or this node's own ticket queued): stop using units. */
  public synchronized void contended(String pool) {
    Book b = books.get(pool);
    if (b != null) {
      b.contended = true;
    }
  }

  /** Pools this node has a book for (holds units, or asked for some). */
  public synchronized List<String> pools() {
    return List.copyOf(books.keySet());
  }

  /** Whether the pool's book has anything to tell the store: units held, outcomes, or growth wanted. */
  public synchronized boolean wantsSync(String pool) {
    Book b = books.get(pool);
    if (b == null) {
      return false;
    }
    if (b.misses > 0) {
      return true;
    }
    for (Unit u : b.units.values()) {
      if (u.units > 0 || !u.outcomes.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts a sync of the pool: what to keep, to give back and to ask for. Returns null if one is
   * already under way (it is marked to run again when answered). Units given back are no longer
   * usable from now on, before the store has them.
   *
   * @param closing true when the node leaves: everything not in use goes back, nothing is asked
   */
  public synchronized AllotmentSync beginSync(String pool, boolean closing) {
    Book b = books.get(pool);
    if (b == null) {
      return null;
    }
    if (b.syncing) {
      b.resync = true;
      return null;
    }
    b.syncing = true;
    int inUse = b.inUse();
    int total = b.units();
    // an idle pool (nothing used or asked for since the last sync) gives everything back
    int desired = b.contended || closing || (b.peak == 0 && b.misses == 0) ? inUse
        : Math.max(inUse, b.peak + Math.max(MIN_SPARE, b.peak / 4) + b.misses);
    int giveBack = Math.max(0, total - desired);
    List<AllotmentSync.Entry> entries = new ArrayList<>(b.units.size());
    for (Map.Entry<String, Unit> e : b.units.entrySet()) {
      Unit u = e.getValue();
      int idle = u.units - u.inUse;
      // units of an instance no longer usable all go back as they free up
      int back = u.usable ? Math.min(idle, giveBack) : idle;
      if (u.usable) {
        giveBack -= back;
      }
      int known = u.units;
      u.units -= back;
      entries.add(new AllotmentSync.Entry(e.getKey(), known, u.units, u.inUse, List.copyOf(u.outcomes),
          u.ttfbSumMs, u.ttfbCount));
      u.outcomes.clear();
      u.ttfbSumMs = 0;
      u.ttfbCount = 0;
    }
    int grow = b.contended || closing ? 0 : Math.max(0, desired - total);
    b.peak = inUse;
    b.misses = 0;
    b.desired = desired;
    return new AllotmentSync(nodeId, b.epoch, entries, grow, minCap);
  }

  /**
   * Applies the store's answer. Instances it calls lost lose their units here; the caller ends the
   * requests running on them.
   */
  public synchronized Applied apply(String pool, AllotmentAnswer answer) {
    Book b = books.get(pool);
    if (b == null) {
      return new Applied(answer.lost(), false);
    }
    b.syncing = false;
    for (String lost : answer.lost()) {
      Unit u = b.units.get(lost);
      if (u != null) {
        u.inUse = 0;
        u.units = 0;
      }
    }
    for (Map.Entry<String, Unit> e : b.units.entrySet()) {
      Integer held = answer.units().get(e.getKey());
      e.getValue().units = held == null ? 0 : held;
    }
    answer.units().forEach((instance, held) -> b.units.computeIfAbsent(instance, i -> new Unit()).units = held);
    for (Map.Entry<String, Unit> e : b.units.entrySet()) {
      e.getValue().usable = answer.usable().contains(e.getKey());
    }
    // an instance whose units are all back and whose outcomes were sent needs no entry
    b.units.values().removeIf(u -> u.units == 0 && u.inUse == 0 && u.outcomes.isEmpty());
    b.contended = answer.contended();
    b.saturated = b.units() < b.desired;
    boolean again = b.resync;
    b.resync = false;
    return new Applied(answer.lost(), again);
  }

  /** The sync failed (store trouble): outcomes are kept for the next one; units given back stay given back. */
  public synchronized void failed(String pool, AllotmentSync sent) {
    Book b = books.get(pool);
    if (b == null) {
      return;
    }
    b.syncing = false;
    for (AllotmentSync.Entry e : sent.instances()) {
      Unit u = b.units.get(e.instanceId());
      if (u != null) {
        u.outcomes.addAll(0, e.outcomes());
        u.ttfbSumMs += e.ttfbSumMs();
        u.ttfbCount += e.ttfbCount();
      }
    }
  }

  /** Forgets every book: units held are given up (the store purged them, or drops them at the next sync). */
  public synchronized void reset() {
    books.clear();
  }

  /** Units held and in use per pool, for logs and tests. */
  public synchronized Map<String, int[]> view() {
    Map<String, int[]> out = new LinkedHashMap<>();
    books.forEach((pool, b) -> out.put(pool, new int[] {b.units(), b.inUse()}));
    return out;
  }
}
