package dev.poolgate.scheduling;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a pool chooses among its instances that may take a request now. Whatever the strategy,
 * {@link PoolState} first narrows the choice to eligible instances (not retired, not excluded,
 * below cap, inside their rate limits) and to healthy ones before degraded ones; the strategy only
 * orders what is left.
 */
public enum Strategy {
  /** Lowest in-flight relative to cap; weights break ties (smooth weighted round-robin). */
  LEAST_LOAD("least_load", new LeastLoadSelector()),
  /** A draw proportional to weight. */
  WEIGHTED_RANDOM("weighted_random", new WeightedRandomSelector()),
  /** nginx's smooth weighted round-robin over the eligible instances. */
  ROUND_ROBIN("round_robin", new RoundRobinSelector()),
  /** Config order: the first instance that may take it (primary first, then backups). */
  FIRST_AVAILABLE("first_available", new FirstAvailableSelector()),
  /** Peak-EWMA of time to first byte × (in-flight + 1), decaying while unmeasured. */
  LATENCY("latency", new LatencySelector());

  public static final Strategy DEFAULT = LEAST_LOAD;

  private final String configName;
  private final Selector selector;

  Strategy(String configName, Selector selector) {
    this.configName = configName;
    this.selector = selector;
  }

  /** The name used in the config ({@code strategy: round_robin}). */
  public String configName() {
    return configName;
  }

  Selector selector() {
    return selector;
  }

  /** The strategy of a config name, or null if there is none. */
  public static Strategy fromConfig(String name) {
    for (Strategy s : values()) {
      if (s.configName.equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** Every config name, for error messages. */
  public static String names() {
    return Arrays.stream(values()).map(Strategy::configName).collect(Collectors.joining(", "));
  }
}
