package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

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

  InstanceSlots(InstanceSpec spec) {
    this.spec = spec;
  }

  public String id() { return spec.id(); }
  public InstanceSpec spec() { return spec; }
  public int inFlight() { return leases.size(); }
  public HealthState health() { return health; }
  public boolean retired() { return retired; }
  Map<String, Lease> leases() { return leases; }

  void respec(InstanceSpec next) {
    this.spec = next;
    this.retired = false;
  }

  void retire() {
    retired = true;
  }

  boolean hasFreeSlot() {
    return leases.size() < spec.maxConcurrency();
  }

  /** Load relative to cap: what least-load selection minimises. */
  double load() {
    return (double) leases.size() / spec.maxConcurrency();
  }

  long currentWeight() { return currentWeight; }
  void currentWeight(long w) { currentWeight = w; }

  void add(Lease lease) {
    leases.put(lease.leaseId(), lease);
  }

  Lease remove(String leaseId) {
    return leases.remove(leaseId);
  }

  /** Removes leases matching the predicate; returns how many went. */
  int removeIf(java.util.function.Predicate<Lease> drop) {
    int n = 0;
    for (Iterator<Lease> it = leases.values().iterator(); it.hasNext(); ) {
      if (drop.test(it.next())) {
        it.remove();
        n++;
      }
    }
    return n;
  }
}
