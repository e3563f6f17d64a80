package dev.poolgate.ledger;

import dev.poolgate.scheduling.Lease;

/**
 * Whether a lease this node holds still has a live request behind it. The ledger renews only
 * those; a held lease found without one (its request ended without releasing it, or never
 * received it) is released by the renewal sweep and reported here. The ledger can also stop the
 * request behind a lease ({@link #abort}).
 */
public interface LeaseOwners {

  /** Every lease is taken to be owned: a ledger used without request tracking (tools, tests). */
  LeaseOwners ANY = new LeaseOwners() {
    @Override
    public boolean alive(String leaseId) {
      return true;
    }

    @Override
    public void orphaned(Lease lease) {
    }

    @Override
    public boolean abort(String leaseId, String reason) {
      return false;
    }
  };

  /** Whether a live request on this node holds the lease. Called from the ledger's thread. */
  boolean alive(String leaseId);

  /** The ledger released a held lease that had no live request: count it. */
  void orphaned(Lease lease);

  /**
   * Stops the live request holding the lease, from any thread (its upstream call reset, its slot
   * released, its client told): for a ledger that learns the lease is no longer this node's, e.g.
   * the cluster purged it after taking this node for dead. Returns whether a live request held it.
   */
  boolean abort(String leaseId, String reason);
}
