package dev.poolgate.scheduler;

import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;

import java.util.List;

/** The control messages the scheduler takes besides slot requests. */
public final class Notes {
  private Notes() {
  }

  /** A request is done with its slot; {@code metrics} is what the call measured. */
  public record Release(Lease lease, Outcome outcome, String error, CallMetrics metrics) {
    public Release(Lease lease, Outcome outcome, String error) {
      this(lease, outcome, error, CallMetrics.NONE);
    }
  }

  /** A waiting request's client went away. */
  public record Cancel(String pool, String ticketId) {}

  /** An active probe's result. */
  public record Probe(String pool, String instanceId, boolean ok, String error) {}

  /** The ledger's view of every pool. */
  public record View(List<PoolSnapshot> pools) {}
}
