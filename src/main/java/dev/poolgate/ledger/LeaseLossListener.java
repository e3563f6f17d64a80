package dev.poolgate.ledger;

import java.util.Set;

/**
 * Told when the cluster has taken leases away from this node (it was frozen or cut off longer than
 * the failure-detection time, and the others purged them): the slots may already serve other
 * requests, so whoever holds those leases must stop their upstream calls at once.
 */
@FunctionalInterface
public interface LeaseLossListener {

  /** The ids of the leases this node must give up; called on the ledger's context. */
  void leasesLost(Set<String> leaseIds);
}
