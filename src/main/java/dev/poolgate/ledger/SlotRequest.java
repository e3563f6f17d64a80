package dev.poolgate.ledger;

import java.util.Set;

/**
 * A request for one slot in a pool.
 *
 * @param pool     pool name
 * @param ticketId unique id chosen by the caller, so it can cancel before any answer
 * @param priority 0–10, higher first
 * @param deadline epoch millis: after it the caller no longer waits (queue timeout)
 * @param excluded instances that must not serve it (they already failed this request)
 */
public record SlotRequest(String pool, String ticketId, int priority, long deadline, Set<String> excluded) {
  public SlotRequest {
    excluded = excluded == null ? Set.of() : Set.copyOf(excluded);
  }
}
