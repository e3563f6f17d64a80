package dev.poolgate.config;

import dev.poolgate.scheduling.HealthPolicy;

import java.util.Set;

/** Active probing and the thresholds of the health state machine. */
public record HealthConfig(long probeIntervalMs, long probeTimeoutMs, HealthPolicy policy) {
  public static final long DEFAULT_PROBE_INTERVAL_MS = 5_000;
  public static final long DEFAULT_PROBE_TIMEOUT_MS = 2_000;

  static HealthConfig from(Fields f) {
    f.only(Set.of("probe_interval_ms", "probe_timeout_ms", "degrade_after", "unhealthy_after", "cooldown_ms",
        "recover_after"));
    HealthPolicy d = HealthPolicy.DEFAULT;
    int degrade = f.integer("degrade_after", d.degradeAfter(), 1, 1000);
    int unhealthy = f.integer("unhealthy_after", Math.max(d.unhealthyAfter(), degrade), 1, 1000);
    if (unhealthy < degrade) {
      throw new ConfigException(f.key("unhealthy_after"), "must be >= degrade_after (" + degrade + ")");
    }
    return new HealthConfig(
        f.number("probe_interval_ms", DEFAULT_PROBE_INTERVAL_MS, 10, 3_600_000),
        f.number("probe_timeout_ms", DEFAULT_PROBE_TIMEOUT_MS, 1, 600_000),
        new HealthPolicy(degrade, unhealthy, f.number("cooldown_ms", d.cooldownMs(), 0, 3_600_000),
            f.integer("recover_after", d.recoverAfter(), 1, 1000)));
  }
}
