package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The slots of one instance: its live leases against its cap, and its health. */
public final class InstanceSlots implements Serializable {
  private static final long serialVersionUID = 1L;

  private InstanceSpec spec;
  private final Map<String, Lease> leases = new LinkedHashMap<>();
  private final HealthState health = new HealthState();
  /** Smooth weighted round-robin state (nginx's current_weight) for breaking ties. */
  private long currentWeight;
  /** Removed from config: keeps its live leases until they end, takes no new ones. */
  private boolean retired;
  /** Grants of the last second, when max_rps is set. */
  private RequestWindow requests;
  /** Tokens of the last minute, when max_tpm is set. */
  private TokenWindow tokens;
  private final LatencyEstimate latency = new LatencyEstimate();
  /** Units handed to nodes for their local fast path, by node id (ordered: owner and backup iterate alike). */
  private final TreeMap<String, Allotment> allotments = new TreeMap<>();
  /** Sum of the allotments' units: they count against the cap like leases. */
  private int allotted;

  InstanceSlots(InstanceSpec spec) {
    this.spec = spec;
    limits(spec);
  }

  public String id() { return spec.id(); }
  public InstanceSpec spec() { return spec; }
  /** Slots taken: leases plus units allotted to nodes (used or not). */
  public int inFlight() { return leases.size() + allotted; }
  /** Requests running: leases plus the allotted units the nodes said they use. */
  public int inUse() {
    int n = leases.size();
    for (Allotment a : allotments.values()) {
      n += a.inUse;
    }
    return n;
  }
  int allotted() { return allotted; }
  public HealthState health() { return health; }
  public boolean retired() { return retired; }
  Map<String, Lease> leases() { return leases; }

  void respec(InstanceSpec next) {
    this.spec = next;
    this.retired = false;
    limits(next);
  }

  /** Windows follow the limits; a window kept across a change keeps what it counted. */
  private void limits(InstanceSpec s) {
    if (s.maxRps() == 0) {
      requests = null;
    } else if (requests == null) {
      requests = new RequestWindow(s.maxRps());
    } else if (requests.limit() != s.maxRps()) {
      requests = requests.resized(s.maxRps());
    }
    if (s.maxTpm() == 0) {
      tokens = null;
    } else if (tokens == null) {
      tokens = new TokenWindow();
    }
  }

  LatencyEstimate latency() { return latency; }

  /** Requests started in the second before {@code now}; 0 when no max_rps window is kept. */
  int requestsLastSecond(long now) {
    return requests == null ? 0 : requests.countSince(now - RequestWindow.WINDOW_MS);
  }

  /** Whether its rate limits let it start a request at {@code now}. */
  boolean withinRates(long now) {
    return (requests == null || requests.admits(now)) && (tokens == null || tokens.admits(now, spec.maxTpm()));
  }

  /** When its rate limits next let it start a request (now if they do). */
  long ratesFreeAt(long now) {
    long at = now;
    if (requests != null) {
      at = Math.max(at, requests.freeAt(now));
    }
    if (tokens != null) {
      at = Math.max(at, tokens.freeAt(now, spec.maxTpm()));
    }
    return at;
  }

  /** A request started here at {@code now}. */
  void recordGrant(long now) {
    if (requests != null) {
      requests.record(now);
    }
  }

  /** A request ended here: its tokens count against max_tpm, its time to first byte feeds latency. */
  void recordCall(CallMetrics metrics, long now, long latencyDecayMs) {
    if (tokens != null && metrics.tokens() > 0) {
      tokens.record(now, metrics.tokens());
    }
    if (metrics.ttfbMs() >= 0) {
      latency.observe(metrics.ttfbMs(), now, latencyDecayMs);
    }
  }

  void retire() {
    retired = true;
  }

  boolean hasFreeSlot() {
    return inFlight() < spec.maxConcurrency();
  }

  /** Load relative to cap: what least-load selection minimises. */
  double load() {
    return (double) inFlight() / spec.maxConcurrency();
  }

  // ---------------------------------------------------------------- allotments

  /**
   * Whether units of this instance may be allotted to nodes now: big enough that splitting it
   * across nodes leaves slack, free of rate limits (those stay exact, counted per grant), and a
   * quarter of its cap kept unallotted so the shared path always has room.
   */
  boolean allotable(int minCap) {
    int cap = spec.maxConcurrency();
    return allotmentUsable() && cap >= minCap && minCap > 0 && cap - inFlight() > Math.max(1, cap / 4);
  }

  /** Whether units already held here may start new requests (a drained instance takes none). */
  boolean allotmentUsable() {
    return !retired && !spec.drained() && spec.maxRps() == 0 && spec.maxTpm() == 0
        && health.health() == Health.HEALTHY;
  }

  Allotment allotment(String nodeId) {
    return allotments.get(nodeId);
  }

  Allotment openAllotment(String nodeId, long epoch, long expiresAt) {
    Allotment a = new Allotment(epoch, expiresAt);
    allotments.put(nodeId, a);
    return a;
  }

  /** Sets a node's units (0 drops its allotment); returns how many units that freed (negative: took). */
  int setUnits(String nodeId, int units) {
    Allotment a = allotments.get(nodeId);
    if (a == null) {
      return 0;
    }
    int freed = a.units - units;
    allotted -= freed;
    a.units = units;
    if (units == 0) {
      allotments.remove(nodeId);
    }
    return freed;
  }

  /** Node ids holding allotments here, in order. */
  java.util.Set<String> allotmentHolders() {
    return allotments.keySet();
  }

  /** Drops the allotments matching the predicate; returns how many units that freed. */
  int dropAllotments(java.util.function.BiPredicate<String, Allotment> drop) {
    int freed = 0;
    for (Iterator<Map.Entry<String, Allotment>> it = allotments.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Allotment> e = it.next();
      if (drop.test(e.getKey(), e.getValue())) {
        freed += e.getValue().units;
        it.remove();
      }
    }
    allotted -= freed;
    return freed;
  }

  long currentWeight() { return currentWeight; }
  void currentWeight(long w) { currentWeight = w; }

  void add(Lease lease) {
    leases.put(lease.leaseId(), lease);
  }

  Lease remove(String leaseId) {
    return leases.remove(leaseId);
  }

  /** Removes leases matching the predicate, telling {@code removed} of each; returns how many went. */
  int removeIf(java.util.function.Predicate<Lease> drop, java.util.function.Consumer<Lease> removed) {
    int n = 0;
    for (Iterator<Lease> it = leases.values().iterator(); it.hasNext(); ) {
      Lease l = it.next();
      if (drop.test(l)) {
        it.remove();
        removed.accept(l);
        n++;
      }
    }
    return n;
  }
}
