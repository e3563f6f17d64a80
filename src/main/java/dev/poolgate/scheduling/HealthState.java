package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * The health state machine of one instance: healthy → degraded → unhealthy on consecutive
 * failures; an unhealthy instance rests for the cooldown, then probes (half-open) bring it back
 * after {@code recoverAfter} consecutive successes. Plain data so it can live inside the shared
 * ledger entry and change atomically with the instance's slots.
 */
public final class HealthState implements Serializable {
  private static final long serialVersionUID = 1L;

  private Health health = Health.HEALTHY;
  private int consecutiveFailures;
  private int consecutiveSuccesses;
  private long unhealthySince;
  private String lastError;
  private long lastChangeAt;

  public Health health() { return health; }
  public int consecutiveFailures() { return consecutiveFailures; }
  public int consecutiveSuccesses() { return consecutiveSuccesses; }
  public String lastError() { return lastError; }
  public long lastChangeAt() { return lastChangeAt; }

  /** Whether real traffic may go to the instance now. */
  public boolean admitsTraffic() {
    return health != Health.UNHEALTHY;
  }

  /** Whether the cooldown of an unhealthy instance is over, so a probe result counts. */
  public boolean cooledDown(HealthPolicy policy, long now) {
    return health != Health.UNHEALTHY || now - unhealthySince >= policy.cooldownMs();
  }

  /**
   * Records the outcome of a real request.
   *
   * @return true if the health changed
   */
  public boolean recordTraffic(Outcome outcome, String error, HealthPolicy policy, long now) {
    return switch (outcome) {
      case NEUTRAL -> false;
      case SUCCESS -> success(policy, now);
      case FAILURE -> failure(error, policy, now);
    };
  }

  /**
   * Records an active probe. Probes of an unhealthy instance count only once its cooldown is over
   * (the half-open state); a failed half-open probe restarts the cooldown.
   *
   * @return true if the health changed
   */
  public boolean recordProbe(boolean ok, String error, HealthPolicy policy, long now) {
    if (health == Health.UNHEALTHY && !cooledDown(policy, now)) {
      return false;
    }
    return ok ? success(policy, now) : failure(error, policy, now);
  }

  /** Forces a state (admin action or reset). */
  public boolean force(Health target, long now) {
    consecutiveFailures = 0;
    consecutiveSuccesses = 0;
    return moveTo(target, now);
  }

  private boolean success(HealthPolicy policy, long now) {
    consecutiveFailures = 0;
    consecutiveSuccesses++;
    if (health != Health.HEALTHY && consecutiveSuccesses >= policy.recoverAfter()) {
      return moveTo(Health.HEALTHY, now);
    }
    return false;
  }

  private boolean failure(String error, HealthPolicy policy, long now) {
    consecutiveSuccesses = 0;
    consecutiveFailures++;
    if (error != null) {
      lastError = error;
    }
    if (health == Health.UNHEALTHY) {
      unhealthySince = now; // a failed half-open probe rests it again
      return false;
    }
    if (consecutiveFailures >= policy.unhealthyAfter()) {
      unhealthySince = now;
      return moveTo(Health.UNHEALTHY, now);
    }
    if (health == Health.HEALTHY && consecutiveFailures >= policy.degradeAfter()) {
      return moveTo(Health.DEGRADED, now);
    }
    return false;
  }

  private boolean moveTo(Health target, long now) {
    if (target == health) {
      return false;
    }
    health = target;
    lastChangeAt = now;
    if (target == Health.HEALTHY) {
      consecutiveFailures = 0;
      consecutiveSuccesses = 0;
    }
    return true;
  }
}
