package dev.poolgate.config;

import java.util.Set;

/** A pool's queue: at most {@code maxSize} waiting requests, each for at most {@code timeoutMs}. */
public record QueueConfig(int maxSize, long timeoutMs) {
  public static final QueueConfig DEFAULT = new QueueConfig(1000, 30_000);

  static QueueConfig from(Fields f) {
    f.only(Set.of("max_size", "timeout_ms"));
    return new QueueConfig(f.integer("max_size", DEFAULT.maxSize, 0, 10_000_000),
        f.number("timeout_ms", DEFAULT.timeoutMs, 1, 3_600_000));
  }
}
