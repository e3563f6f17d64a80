package dev.poolgate.scheduling;

import java.util.List;

/** Smooth weighted round-robin over the eligible instances, whatever their load. */
final class RoundRobinSelector implements Selector {

  @Override
  public InstanceSlots select(List<InstanceSlots> candidates, Selection selection) {
    return SmoothWeighted.pick(candidates);
  }
}
