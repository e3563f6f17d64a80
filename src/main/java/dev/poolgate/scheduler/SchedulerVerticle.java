package dev.poolgate.scheduler;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.bus.Bus;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.SlotLedger;
import dev.poolgate.scheduling.PoolSpec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns the node's {@link SlotLedger}: applies new configs, takes probe results, answers snapshots,
 * closes the ledger on stop, and serves the shared slot addresses; the requests of each event loop
 * take and give back their slots at that loop's {@link SlotDeskVerticle}.
 */
public final class SchedulerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SchedulerVerticle.class);

  /** Backoff of configure retries while the store cannot take the pools. */
  static final long CONFIGURE_RETRY_MIN_MS = 100;
  static final long CONFIGURE_RETRY_MAX_MS = 2_000;

  private final SlotLedger ledger;
  private final GatewayConfig initial;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** Configure retries of an older config stop when a newer one is applied. */
  private long configGeneration;
  private boolean stopped;

  public SchedulerVerticle(SlotLedger ledger, GatewayConfig initial) {
    this.ledger = ledger;
    this.initial = initial;
  }

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    // the shared addresses, for callers on a loop without a desk (SlotDeskVerticle)
    SlotDeskVerticle.serve(bus, ledger, Bus.ACQUIRE, Bus.CANCEL, Bus.RELEASE, consumers);
    consumers.add(bus.<Notes.Probe>localConsumer(Bus.PROBE_RESULT, msg -> {
      Notes.Probe p = msg.body();
      ledger.recordProbe(p.pool(), p.instanceId(), p.ok(), p.error())
          .onFailure(e -> log.warn("recording probe of {} failed: {}", p.instanceId(), e.toString()));
    }));
    consumers.add(bus.<Void>localConsumer(Bus.SNAPSHOT, msg -> ledger.snapshot()
        .onSuccess(pools -> msg.reply(new Notes.View(pools), Bus.LOCAL))
        .onFailure(e -> Bus.fail(msg, e))));
    consumers.add(bus.<GatewayConfig>localConsumer(Bus.CONFIG_CHANGED, msg -> configure(msg.body().poolSpecs())
        .onFailure(e -> log.error("applying the new pools to the ledger failed: {}", e.toString()))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
        .compose(v -> configure(initial.poolSpecs()));
  }

  /**
   * Applies pools to the ledger. When the store cannot take them yet (a cluster node started
   * before a quorum formed, or on the minority side of a split) the node still starts, not ready,
   * and the pools are applied again with backoff until they land; a newer config takes over the
   * retries. Any other failure is returned.
   */
  private Future<Void> configure(List<PoolSpec> specs) {
    long generation = ++configGeneration;
    return ledger.configure(specs).recover(e -> {
      if (GatewayException.kindOf(e) != ErrorKind.STORE_UNAVAILABLE) {
        return Future.failedFuture(e);
      }
      log.warn("the cluster store cannot take the pools yet, retrying until it can (node not ready): {}",
          e.getMessage());
      retryConfigure(specs, generation, CONFIGURE_RETRY_MIN_MS);
      return Future.succeededFuture();
    });
  }

  private void retryConfigure(List<PoolSpec> specs, long generation, long backoffMs) {
    vertx.setTimer(backoffMs, id -> {
      if (stopped || generation != configGeneration) {
        return;
      }
      ledger.configure(specs)
          .onSuccess(v -> log.info("the cluster store took the pools: the ledger is configured"))
          .onFailure(e -> {
            if (GatewayException.kindOf(e) == ErrorKind.STORE_UNAVAILABLE) {
              retryConfigure(specs, generation, Math.min(backoffMs * 2, CONFIGURE_RETRY_MAX_MS));
            } else {
              log.error("applying the pools to the ledger failed: {}", e.toString());
            }
          });
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList())
        .compose(v -> ledger.close(), v -> ledger.close());
  }
}
