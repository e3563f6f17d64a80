package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * What the scheduler needs to know of an instance: its cap, its weight, its rate limits and
 * whether it is drained.
 *
 * @param maxRps  requests it may start per second (sliding window); 0 = no limit
 * @param maxTpm  tokens it may use per minute (counted as answers finish); 0 = no limit
 * @param drained an operator took it out of service: it gets no new request (queued tickets wait
 *                for the others), the ones it has finish, and it serves again once undrained
 */
public record InstanceSpec(String id, int maxConcurrency, int weight, int maxRps, long maxTpm, boolean drained)
    implements Serializable {
  public InstanceSpec {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("max_concurrency of " + id + " must be >= 1");
    }
    if (weight < 1) {
      throw new IllegalArgumentException("weight of " + id + " must be >= 1");
    }
    if (maxRps < 0 || maxTpm < 0) {
      throw new IllegalArgumentException("max_rps and max_tpm of " + id + " must be >= 0");
    }
  }

  /** An instance in service. */
  public InstanceSpec(String id, int maxConcurrency, int weight, int maxRps, long maxTpm) {
    this(id, maxConcurrency, weight, maxRps, maxTpm, false);
  }

  /** An instance with no rate limits. */
  public InstanceSpec(String id, int maxConcurrency, int weight) {
    this(id, maxConcurrency, weight, 0, 0);
  }
}
