package dev.poolgate.ledger;

import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.scheduling.PoolSpec;
import io.vertx.core.Future;

import java.util.List;

/**
 * Who holds which slot of which instance, and who waits for one. The one place caps are
 * enforced. {@link LocalSlotLedger} keeps it in memory for one node; {@link HazelcastSlotLedger}
 * shares it across a cluster, where caps are global and exact.
 *
 * <p>Failures are {@link dev.poolgate.GatewayException}s: {@code QUEUE_FULL},
 * {@code QUEUE_TIMEOUT}, {@code NO_INSTANCE}, {@code CANCELLED}, {@code MODEL_NOT_FOUND} (unknown
 * pool), {@code STORE_UNAVAILABLE}.
 */
public interface SlotLedger {

  /** This node's id, the owner recorded in its leases and tickets. */
  String nodeId();

  /** Applies pools, instances, caps and weights; leases in flight are kept. */
  Future<Void> configure(List<PoolSpec> pools);

  /**
   * Takes a slot on the best eligible instance, waiting in the pool's queue if all are full.
   * Completes with the lease once granted, or fails when the queue is full, the deadline passes,
   * the request is cancelled, or no instance could ever serve it.
   */
  Future<Lease> acquire(SlotRequest request);

  /**
   * Drops a waiting request at once (its client went away). If a slot was granted to it in the
   * meantime, that slot is released. A no-op for unknown tickets.
   */
  Future<Void> cancel(String pool, String ticketId);

  /**
   * Gives a slot back, exactly once: releasing an unknown or already released lease is a no-op.
   * The outcome feeds the instance's health; the slot goes straight to the best waiting ticket.
   */
  default Future<Void> release(Lease lease, Outcome outcome, String error) {
    return release(lease, outcome, error, CallMetrics.NONE);
  }

  /**
   * Gives a slot back as above, with what the call measured: its time to first byte feeds the
   * latency strategy, its tokens the instance's tokens-per-minute window.
   */
  Future<Void> release(Lease lease, Outcome outcome, String error, CallMetrics metrics);

  /** Feeds an active probe result to an instance's health. */
  Future<Void> recordProbe(String pool, String instanceId, boolean ok, String error);

  /**
   * Whether the ledger can admit now. A cluster's ledger cannot before its pools are recorded,
   * while this node sees no quorum of gateway members, or while it settles after a stall; the node
   * is not ready meanwhile.
   */
  default boolean available() {
    return true;
  }

  /**
   * Registers who is told when the cluster has taken leases away from this node (one listener):
   * leases its renewal finds gone from the store, allotted units purged while the node was frozen
   * or cut off, everything it held when it stood still or lost the quorum. Their slots may have
   * been handed on, so those requests must stop at once (their upstream calls reset). A node's own
   * ledger never loses a lease.
   */
  default void onLeasesLost(LeaseLossListener listener) {
  }

  /** The current state of every pool (cluster-wide in cluster mode). */
  Future<List<PoolSnapshot>> snapshot();

  /**
   * Tells the ledger which held leases still have a live request: only those are renewed, the
   * others are released as orphans. Until called, every held lease counts as owned.
   */
  default void owners(LeaseOwners owners) {
  }

  /** Stops timers; leases still held stay recorded until released or expired. */
  Future<Void> close();
}
