package dev.poolgate.scheduling;

import java.io.Serializable;

/** A read-only view of one instance for metrics and status endpoints. */
public record InstanceSnapshot(String id, int maxConcurrency, int weight, int inFlight, Health health,
                               int consecutiveFailures, String lastError, boolean retired)
    implements Serializable {
}
