package dev.poolgate.scheduler;

import dev.poolgate.bus.Ask;
import dev.poolgate.bus.Bus;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

import java.util.List;

/** How the other verticles talk to the scheduler. */
public final class SchedulerClient {
  private final Vertx vertx;
  private final EventBus bus;

  public SchedulerClient(Vertx vertx) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
  }

  /** The slot desk on the caller's own event loop, if it has one (no thread hop), else the shared one. */
  private String desk() {
    return SlotDeskVerticle.acquireAddress(vertx.getOrCreateContext());
  }

  /** A slot, or the reason there is none (its queue deadline is kept by the ledger). */
  public Future<Lease> acquire(SlotRequest request) {
    return Ask.send(bus, desk(), request);
  }

  public void cancel(String pool, String ticketId) {
    bus.send(SlotDeskVerticle.cancelAddress(desk()), new Notes.Cancel(pool, ticketId), Bus.LOCAL);
  }

  public void release(Lease lease, Outcome outcome, String error) {
    release(lease, outcome, error, CallMetrics.NONE);
  }

  /** Releases with what the call measured (time to first byte, tokens): latency strategy, max_tpm. */
  public void release(Lease lease, Outcome outcome, String error, CallMetrics metrics) {
    bus.send(SlotDeskVerticle.releaseAddress(desk()), new Notes.Release(lease, outcome, error, metrics), Bus.LOCAL);
  }

  public void probeResult(String pool, String instanceId, boolean ok, String error) {
    bus.send(Bus.PROBE_RESULT, new Notes.Probe(pool, instanceId, ok, error), Bus.LOCAL);
  }

  public Future<List<PoolSnapshot>> snapshot() {
    return bus.<Notes.View>request(Bus.SNAPSHOT, null, Bus.local(10_000))
        .map(m -> m.body().pools())
        .recover(Bus::unwrap);
  }
}
