package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** A read-only view of one pool: its instances and its queue. */
public record PoolSnapshot(String name, List<InstanceSnapshot> instances, int queued,
                           Map<Integer, Integer> queuedByPriority, int unclaimedGrants)
    implements Serializable {

  public int inFlight() {
    return instances.stream().mapToInt(InstanceSnapshot::inFlight).sum();
  }

  public int capacity() {
    return instances.stream().filter(i -> !i.retired()).mapToInt(InstanceSnapshot::maxConcurrency).sum();
  }
}
