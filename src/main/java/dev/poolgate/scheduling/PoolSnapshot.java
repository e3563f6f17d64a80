package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of one pool: its instances and its queue.
 *
 * @param guests tickets of pools it lends to, waiting for one of its idle slots (not in {@code queued})
 */
public record PoolSnapshot(String name, List<InstanceSnapshot> instances, int queued,
                           Map<Integer, Integer> queuedByPriority, int unclaimedGrants, int guests)
    implements Serializable {

  /** A pool with no guests waiting. */
  public PoolSnapshot(String name, List<InstanceSnapshot> instances, int queued,
                      Map<Integer, Integer> queuedByPriority, int unclaimedGrants) {
    this(name, instances, queued, queuedByPriority, unclaimedGrants, 0);
  }

  public int inFlight() {
    return instances.stream().mapToInt(InstanceSnapshot::inFlight).sum();
  }

  public int capacity() {
    return instances.stream().filter(i -> !i.retired()).mapToInt(InstanceSnapshot::maxConcurrency).sum();
  }
}
