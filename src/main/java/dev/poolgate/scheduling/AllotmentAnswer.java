package dev.poolgate.scheduling;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pool's answer to an {@link AllotmentSync}.
 *
 * @param units     units the node now holds, per instance (only instances where it holds any)
 * @param usable    instances whose units may start new requests (healthy, in service, not rate-limited)
 * @param lost      instances where the node believed it held units the store no longer records
 *                  (purged while the node was unreachable, or expired): requests on them must end
 * @param contended whether tickets wait in the pool: every free slot then goes through the queue
 * @param drained   grants made with the units given back, and when to drain again
 */
public record AllotmentAnswer(Map<String, Integer> units, Set<String> usable, List<String> lost, boolean contended,
                              Drained drained) implements Serializable {
}
