package dev.poolgate.scheduling;

import java.util.List;

/** A draw proportional to weight: independent requests, shares right on average. */
final class WeightedRandomSelector implements Selector {

  @Override
  public InstanceSlots select(List<InstanceSlots> candidates, Selection selection) {
    long total = 0;
    for (InstanceSlots s : candidates) {
      total += s.spec().weight();
    }
    double point = selection.draws().next() * total;
    for (InstanceSlots s : candidates) {
      point -= s.spec().weight();
      if (point < 0) {
        return s;
      }
    }
    // rounding at the top end of the range
    return candidates.get(candidates.size() - 1);
  }
}
