package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * A read-only view of one instance for metrics and status endpoints.
 *
 * @param maxRps             its max_rps (0 = no limit)
 * @param requestsLastSecond requests it started in the last second (counted only when max_rps is set, else 0)
 * @param latencyMs          its peak-EWMA time to first byte as of its last answer; -1 before any answer
 */
public record InstanceSnapshot(String id, int maxConcurrency, int weight, int inFlight, Health health,
                               int consecutiveFailures, String lastError, boolean retired, int maxRps,
                               int requestsLastSecond, double latencyMs)
    implements Serializable {

  /** An instance with no rate limit and no latency measured. */
  public InstanceSnapshot(String id, int maxConcurrency, int weight, int inFlight, Health health,
                          int consecutiveFailures, String lastError, boolean retired) {
    this(id, maxConcurrency, weight, inFlight, health, consecutiveFailures, lastError, retired, 0, 0, -1);
  }
}
