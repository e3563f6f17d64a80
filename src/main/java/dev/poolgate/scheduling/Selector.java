package dev.poolgate.scheduling;

import java.util.List;

/**
 * One selection algorithm: picks one of the candidates, all of which may take the request now.
 * Implementations keep no state of their own — what must last between requests (round-robin
 * weights, latency estimates) lives in {@link InstanceSlots}, so it travels with the pool state —
 * and take the time and random draws from the {@link Selection} they are given, so the same
 * inputs always give the same choice.
 */
interface Selector {

  /**
   * @param candidates eligible instances in config order, never empty
   * @return one of the candidates
   */
  InstanceSlots select(List<InstanceSlots> candidates, Selection selection);
}
