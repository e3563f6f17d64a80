package dev.poolgate.scheduling;

import java.util.List;

/**
 * nginx's smooth weighted round-robin: every candidate gains its weight, the one with the most
 * wins and pays the total. Over any run the shares follow the weights, spread out evenly (5:1:1
 * gives a a b a c a a) rather than in bursts.
 */
final class SmoothWeighted {
  private SmoothWeighted() {
  }

  static InstanceSlots pick(List<InstanceSlots> candidates) {
    long total = 0;
    InstanceSlots chosen = null;
    for (InstanceSlots s : candidates) {
      s.currentWeight(s.currentWeight() + s.spec().weight());
      total += s.spec().weight();
      if (chosen == null || s.currentWeight() > chosen.currentWeight()) {
        chosen = s;
      }
    }
    chosen.currentWeight(chosen.currentWeight() - total);
    return chosen;
  }
}
