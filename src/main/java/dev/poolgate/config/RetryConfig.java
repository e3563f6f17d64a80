package dev.poolgate.config;

import java.util.Set;

/** How often a failed call is tried again on another instance, and how long to wait between. */
public record RetryConfig(int maxAttempts, long backoffMs) {
  public static final RetryConfig DEFAULT = new RetryConfig(3, 50);

  static RetryConfig from(Fields f) {
    f.only(Set.of("max_attempts", "backoff_ms"));
    return new RetryConfig(f.integer("max_attempts", DEFAULT.maxAttempts, 1, 20),
        f.number("backoff_ms", DEFAULT.backoffMs, 0, 60_000));
  }
}
