package dev.poolgate.scheduling;

import java.io.Serializable;

/** The answer of a pool to a ticket asking for a slot. */
public sealed interface Admission extends Serializable {

  /** A slot was free: the lease is held from now on. */
  record Granted(Lease lease) implements Admission {}

  /** Every eligible instance is full: the ticket waits in the queue. */
  record Queued(Ticket ticket) implements Admission {}

  /** The ticket cannot wait: the queue is full, or no instance could ever serve it. */
  record Rejected(Reason reason) implements Admission {}

  enum Reason {
    /** The queue holds max_size tickets already. */
    QUEUE_FULL,
    /** Every instance is excluded, retired or unhealthy: waiting would not help. */
    NO_INSTANCE
  }
}
