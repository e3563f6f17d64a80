package dev.poolgate.scheduling;

import java.io.Serializable;

/** What the scheduler needs to know of an instance: its cap and its weight. */
public record InstanceSpec(String id, int maxConcurrency, int weight) implements Serializable {
  public InstanceSpec {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("max_concurrency of " + id + " must be >= 1");
    }
    if (weight < 1) {
      throw new IllegalArgumentException("weight of " + id + " must be >= 1");
    }
  }
}
