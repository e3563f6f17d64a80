package dev.poolgate.scheduling;

import java.util.ArrayList;
import java.util.List;

/**
 * Peak-EWMA, as Finagle and Linkerd balance: cost = latency estimate × (in-flight + 1) / weight,
 * lowest cost wins, ties by smooth weighted round-robin. The estimate jumps up at once on a slow
 * answer and decays toward zero while an instance gets no answers, so a slow instance that is left
 * alone is tried again after a while — and keeps its traffic if it has recovered.
 *
 * <p>An instance never measured is costed at the mean of the measured ones (1 ms if none is), so a
 * new instance gets a fair first share instead of every request at once.
 */
final class LatencySelector implements Selector {
  static final double UNMEASURED_MS = 1.0;
  /** Floor of the stand-in estimate: at zero, in-flight requests would no longer add cost. */
  private static final double MIN_ESTIMATE_MS = 0.001;

  @Override
  public InstanceSlots select(List<InstanceSlots> candidates, Selection selection) {
    double sum = 0;
    int measured = 0;
    for (InstanceSlots s : candidates) {
      if (s.latency().measured()) {
        sum += s.latency().estimate(selection.now(), selection.latencyDecayMs());
        measured++;
      }
    }
    double fallback = measured == 0 ? UNMEASURED_MS : Math.max(sum / measured, MIN_ESTIMATE_MS);
    double best = Double.MAX_VALUE;
    double[] costs = new double[candidates.size()];
    for (int i = 0; i < costs.length; i++) {
      InstanceSlots s = candidates.get(i);
      double rtt = s.latency().measured() ? s.latency().estimate(selection.now(), selection.latencyDecayMs())
          : fallback;
      costs[i] = rtt * (s.inFlight() + 1) / s.spec().weight();
      best = Math.min(best, costs[i]);
    }
    List<InstanceSlots> tied = new ArrayList<>(2);
    for (int i = 0; i < costs.length; i++) {
      if (costs[i] == best) {
        tied.add(candidates.get(i));
      }
    }
    return tied.size() == 1 ? tied.get(0) : SmoothWeighted.pick(tied);
  }
}
