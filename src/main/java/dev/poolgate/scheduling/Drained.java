package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;

/**
 * What an operation that hands out slots produced.
 *
 * @param grants grants to queued tickets, to be told to their nodes
 * @param wakeAt when tickets held back only by a rate window could be granted next (epoch millis),
 *               or {@link Long#MAX_VALUE}: the ledger runs a drain then, since windows free up
 *               with time and not with a release
 */
public record Drained(List<Grant> grants, long wakeAt) implements Serializable {
  public static final long NEVER = Long.MAX_VALUE;

  public Drained {
    grants = List.copyOf(grants);
  }
}
