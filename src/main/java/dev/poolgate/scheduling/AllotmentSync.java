package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;

/**
 * A node's periodic exchange with a pool about its allotments: what it now wants on each instance
 * it holds units of, how many more it would like, and the outcomes of the requests it served on
 * them since the last sync (successes batched in order, a failure sent at once).
 *
 * @param nodeId     the node
 * @param epoch      the node's allotment book for this pool; the store answers units recorded under
 *                   another epoch (or none) as lost
 * @param instances  one entry per instance the node holds or held units of
 * @param grow       how many more units the node would like, placed by the pool's strategy
 * @param minCap     instances with a smaller cap (or any rate limit) are never allotted
 */
public record AllotmentSync(String nodeId, long epoch, List<Entry> instances, int grow, int minCap)
    implements Serializable {

  public AllotmentSync {
    instances = List.copyOf(instances);
  }

  /**
   * @param known     units the node believes it holds here (more than 0 means it may have used them)
   * @param target    units it keeps (at least the ones in use); fewer than recorded gives the rest back
   * @param inUse     units in use when the sync was sent
   * @param outcomes  outcomes of finished requests, in the order they finished
   * @param ttfbSumMs summed time to first byte of the answers among them
   * @param ttfbCount how many answers the sum covers
   */
  public record Entry(String instanceId, int known, int target, int inUse, List<OutcomeRun> outcomes,
                      long ttfbSumMs, int ttfbCount) implements Serializable {
    public Entry {
      outcomes = List.copyOf(outcomes);
    }
  }

  /** {@code count} consecutive outcomes alike (a failure carries its error, so its count is 1). */
  public record OutcomeRun(Outcome outcome, int count, String error) implements Serializable {
  }
}
