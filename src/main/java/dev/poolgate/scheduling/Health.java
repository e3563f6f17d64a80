package dev.poolgate.scheduling;

/** Health of one upstream instance, as every node sees it. */
public enum Health {
  /** Takes traffic first. */
  HEALTHY,
  /** Failing now and then: takes traffic only when no healthy instance has a free slot. */
  DEGRADED,
  /** Takes no traffic until it passes probes after its cooldown. */
  UNHEALTHY
}
