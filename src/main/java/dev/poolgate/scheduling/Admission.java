package dev.poolgate.scheduling;

import java.io.Serializable;

/** The answer of a pool to a ticket asking for a slot. */
public sealed interface Admission extends Serializable {

  /** A slot was free: the lease is held from now on. */
  record Granted(Lease lease) implements Admission {}

  /**
   * Every eligible instance is full or at its rate limit: the ticket waits in the queue.
   *
   * @param wakeAt when a rate window frees up so that it might be granted (see
   *               {@link PoolState#wakeAt}); {@link Drained#NEVER} if only a release can free it
   * @param recall   nodes hold allotted units of the pool: they must be told to stop using them and
   *                 give idle ones back, so the queue gets them
   */
  record Queued(Ticket ticket, long wakeAt, boolean recall) implements Admission {
    /** Queued where no node holds allotted units. */
    public Queued(Ticket ticket, long wakeAt) {
      this(ticket, wakeAt, false);
    }
  }

  /** The ticket cannot wait: the queue is full, or no instance could ever serve it. */
  record Rejected(Reason reason) implements Admission {}

  enum Reason {
    /** The queue holds max_size tickets already. */
    QUEUE_FULL,
    /** Every instance is excluded, retired or unhealthy: waiting would not help. */
    NO_INSTANCE
  }
}
