package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of one pool: its instances and its queue.
 *
 * @param guests tickets of pools it lends to, waiting for one of its idle slots (not in {@code queued})
 * @param lent   requests of pools it lends to running on its slots now (counted in its instances' in-flight)
 */
public record PoolSnapshot(String name, List<InstanceSnapshot> instances, int queued,
                           Map<Integer, Integer> queuedByPriority, int unclaimedGrants, int guests, int lent)
    implements Serializable {

  /** A pool lending no slot right now. */
  public PoolSnapshot(String name, List<InstanceSnapshot> instances, int queued,
                      Map<Integer, Integer> queuedByPriority, int unclaimedGrants, int guests) {
    this(name, instances, queued, queuedByPriority, unclaimedGrants, guests, 0);
  }

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
