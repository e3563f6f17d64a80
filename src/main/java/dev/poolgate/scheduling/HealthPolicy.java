package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * Thresholds of the health state machine.
 *
 * @param degradeAfter   consecutive failures that make a healthy instance degraded
 * @param unhealthyAfter consecutive failures that make an instance unhealthy
 * @param cooldownMs     how long an unhealthy instance rests before probes may bring it back
 * @param recoverAfter   consecutive successes (traffic or probes) that make it healthy again
 */
public record HealthPolicy(int degradeAfter, int unhealthyAfter, long cooldownMs, int recoverAfter)
    implements Serializable {

  public static final HealthPolicy DEFAULT = new HealthPolicy(2, 4, 10_000, 2);

  public HealthPolicy {
    if (degradeAfter < 1 || unhealthyAfter < degradeAfter || cooldownMs < 0 || recoverAfter < 1) {
      throw new IllegalArgumentException("invalid health policy " + degradeAfter + "/" + unhealthyAfter
          + "/" + cooldownMs + "/" + recoverAfter);
    }
  }
}
