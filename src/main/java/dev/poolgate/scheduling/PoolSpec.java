package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;

/** What the scheduler needs to know of a pool. */
public record PoolSpec(String name, List<InstanceSpec> instances, int queueMaxSize, HealthPolicy healthPolicy)
    implements Serializable {
  public PoolSpec {
    instances = List.copyOf(instances);
  }
}
