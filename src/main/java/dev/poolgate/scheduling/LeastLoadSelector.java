package dev.poolgate.scheduling;

import java.util.ArrayList;
import java.util.List;

/** Lowest in-flight / cap; among equally loaded instances the weights decide (smooth round-robin). */
final class LeastLoadSelector implements Selector {

  @Override
  public InstanceSlots select(List<InstanceSlots> candidates, Selection selection) {
    double best = Double.MAX_VALUE;
    for (InstanceSlots s : candidates) {
      best = Math.min(best, s.load());
    }
    List<InstanceSlots> tied = new ArrayList<>(candidates.size());
    for (InstanceSlots s : candidates) {
      if (s.load() == best) {
        tied.add(s);
      }
    }
    return SmoothWeighted.pick(tied);
  }
}
