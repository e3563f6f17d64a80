package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;

/**
 * What the scheduler needs to know of a pool.
 *
 * @param strategy       how it chooses among its eligible instances
 * @param latencyDecayMs time constant of the latency strategy's estimates
 * @param lendTo         pools whose waiting tickets may borrow this pool's idle slots (after its own)
 */
public record PoolSpec(String name, List<InstanceSpec> instances, int queueMaxSize, HealthPolicy healthPolicy,
                       Strategy strategy, long latencyDecayMs, List<String> lendTo) implements Serializable {
  public static final long DEFAULT_LATENCY_DECAY_MS = 10_000;

  public PoolSpec {
    instances = List.copyOf(instances);
    lendTo = lendTo == null ? List.of() : List.copyOf(lendTo);
    if (lendTo.contains(name)) {
      throw new IllegalArgumentException("pool " + name + " cannot lend to itself");
    }
    strategy = strategy == null ? Strategy.DEFAULT : strategy;
    if (latencyDecayMs < 1) {
      throw new IllegalArgumentException("latency decay of " + name + " must be >= 1 ms");
    }
  }

  /** A pool that lends to nobody. */
  public PoolSpec(String name, List<InstanceSpec> instances, int queueMaxSize, HealthPolicy healthPolicy,
                  Strategy strategy, long latencyDecayMs) {
    this(name, instances, queueMaxSize, healthPolicy, strategy, latencyDecayMs, List.of());
  }

  /** A least-load pool. */
  public PoolSpec(String name, List<InstanceSpec> instances, int queueMaxSize, HealthPolicy healthPolicy) {
    this(name, instances, queueMaxSize, healthPolicy, Strategy.DEFAULT, DEFAULT_LATENCY_DECAY_MS);
  }
}
