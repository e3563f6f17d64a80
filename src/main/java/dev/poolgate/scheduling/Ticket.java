package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Set;

/**
 * A request waiting for (or asking for) a slot in a pool.
 *
 * @param ticketId   unique id, chosen by the asking node so it can cancel before any answer
 * @param nodeId     member waiting for the grant
 * @param priority   0–10, higher first
 * @param seq        FIFO order within a priority, assigned by the pool on first enqueue (0 = not yet)
 * @param deadline   epoch millis after which the ticket is of no use
 * @param excluded   instances this request must not go to (already failed it)
 */
public record Ticket(String ticketId, String nodeId, int priority, long seq, long deadline, Set<String> excluded)
    implements Serializable {

  public static final int MIN_PRIORITY = 0;
  public static final int MAX_PRIORITY = 10;

  /** Strict priority between levels, FIFO within one. */
  public static final Comparator<Ticket> ORDER = Comparator
      .comparingInt((Ticket t) -> -t.priority)
      .thenComparingLong(Ticket::seq)
      .thenComparing(Ticket::ticketId);

  public Ticket {
    excluded = excluded == null ? Set.of() : Set.copyOf(excluded);
  }

  Ticket withSeq(long s) {
    return new Ticket(ticketId, nodeId, priority, s, deadline, excluded);
  }
}
