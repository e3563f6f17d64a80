package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * Slots of one instance handed to one node for its local fast path: the node starts and ends
 * requests on them without asking the store, and they count against the instance's cap like
 * leases, so the global cap stays exact. The node reports how many it uses at each sync.
 *
 * @see AllotmentSync
 */
final class Allotment implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The node's allotment book it belongs to: a node that finds another epoch lost its units. */
  final long epoch;
  int units;
  /** How many of the units the node said it used at its last sync (for status views). */
  int inUse;
  long expiresAt;

  Allotment(long epoch, long expiresAt) {
    this.epoch = epoch;
    this.expiresAt = expiresAt;
  }
}
