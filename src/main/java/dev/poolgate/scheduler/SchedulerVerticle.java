package dev.poolgate.scheduler;

import dev.poolgate.bus.Bus;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.SlotLedger;
import dev.poolgate.ledger.SlotRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns the node's {@link SlotLedger}: answers slot requests (when granted, which may be after a
 * wait in the queue), takes releases, cancels and probe results, and applies new configs.
 */
public final class SchedulerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SchedulerVerticle.class);

  /** A grant this close to the requester's bus time-out is treated as too late. */
  private static final long LATE_MARGIN_MS = 500;

  private final SlotLedger ledger;
  private final GatewayConfig initial;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public SchedulerVerticle(SlotLedger ledger, GatewayConfig initial) {
    this.ledger = ledger;
    this.initial = initial;
  }

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    consumers.add(bus.<SlotRequest>localConsumer(Bus.ACQUIRE, msg -> ledger.acquire(msg.body())
        .onSuccess(lease -> grant(msg, lease))
        .onFailure(e -> Bus.fail(msg, e))));
    consumers.add(bus.<Notes.Cancel>localConsumer(Bus.CANCEL, msg ->
        ledger.cancel(msg.body().pool(), msg.body().ticketId())
            .onFailure(e -> log.warn("cancel of ticket {} failed: {}", msg.body().ticketId(), e.toString()))));
    consumers.add(bus.<Notes.Release>localConsumer(Bus.RELEASE, msg -> {
      Notes.Release r = msg.body();
      ledger.release(r.lease(), r.outcome(), r.error(), r.metrics())
          .onFailure(e -> log.warn("release of lease {} failed (its expiry reclaims it): {}",
              r.lease().leaseId(), e.toString()));
    }));
    consumers.add(bus.<Notes.Probe>localConsumer(Bus.PROBE_RESULT, msg -> {
      Notes.Probe p = msg.body();
      ledger.recordProbe(p.pool(), p.instanceId(), p.ok(), p.error())
          .onFailure(e -> log.warn("recording probe of {} failed: {}", p.instanceId(), e.toString()));
    }));
    consumers.add(bus.<Void>localConsumer(Bus.SNAPSHOT, msg -> ledger.snapshot()
        .onSuccess(pools -> msg.reply(new Notes.View(pools), Bus.LOCAL))
        .onFailure(e -> Bus.fail(msg, e))));
    consumers.add(bus.<GatewayConfig>localConsumer(Bus.CONFIG_CHANGED, msg -> ledger.configure(msg.body().poolSpecs())
        .onFailure(e -> log.error("applying the new pools to the ledger failed: {}", e.toString()))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
        .compose(v -> ledger.configure(initial.poolSpecs()));
  }

  /**
   * Hands a lease to the requester — unless the requester has stopped waiting (the store answered
   * after its bus time-out): a reply nobody reads would hold the slot for good, so it goes back.
   */
  private void grant(io.vertx.core.eventbus.Message<SlotRequest> msg, dev.poolgate.scheduling.Lease lease) {
    if (System.currentTimeMillis() >= msg.body().deadline() + SchedulerClient.GRACE_MS - LATE_MARGIN_MS) {
      ledger.release(lease, dev.poolgate.scheduling.Outcome.NEUTRAL, null);
      Bus.fail(msg, dev.poolgate.ErrorKind.QUEUE_TIMEOUT.exception("the slot came after the request stopped waiting"));
      return;
    }
    msg.reply(lease);
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList())
        .compose(v -> ledger.close(), v -> ledger.close());
  }
}
