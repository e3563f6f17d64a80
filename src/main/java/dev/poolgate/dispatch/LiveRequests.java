package dev.poolgate.dispatch;

import dev.poolgate.ledger.LeaseOwners;
import dev.poolgate.scheduling.Lease;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests of this node that hold a slot, by lease id: what tells the ledger which of its
 * leases to renew ({@link LeaseOwners}), and how a request is stopped from outside when the
 * cluster took its slot back.
 */
public final class LiveRequests implements LeaseOwners {
  private final Map<String, Exchange> byLease = new ConcurrentHashMap<>();
  private final AtomicLong orphaned = new AtomicLong();

  void holds(String leaseId, Exchange exchange) {
    byLease.put(leaseId, exchange);
  }

  void released(String leaseId, Exchange exchange) {
    byLease.remove(leaseId, exchange);
  }

  @Override
  public boolean alive(String leaseId) {
    return byLease.containsKey(leaseId);
  }

  @Override
  public void orphaned(Lease lease) {
    orphaned.incrementAndGet();
  }

  /**
   * Stops the request holding this lease, from any thread: on its own context, its upstream call
   * is reset, then its slot released and its client told why (a 503 before the first byte, an
   * error event after). Used when the cluster reports the lease gone (its node was taken for dead):
   * the slot may already serve another request, so this one must not go on.
   *
   * @return whether a live request held the lease
   */
  @Override
  public boolean abort(String leaseId, String reason) {
    Exchange exchange = byLease.get(leaseId);
    if (exchange == null) {
      return false;
    }
    exchange.abort(reason);
    return true;
  }

  /** The leases live requests hold now (a copy). */
  public java.util.Set<String> leaseIds() {
    return java.util.Set.copyOf(byLease.keySet());
  }

  /** Requests holding a slot now. */
  public int size() {
    return byLease.size();
  }

  /** Held leases the ledger released because no live request held them. */
  public long orphanedCount() {
    return orphaned.get();
  }
}
