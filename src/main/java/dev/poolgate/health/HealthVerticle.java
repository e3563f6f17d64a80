package dev.poolgate.health;

import dev.poolgate.bus.Bus;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.provider.ProviderClient;
import dev.poolgate.scheduler.SchedulerClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.function.Predicate;

/**
 * Probes instances on an interval and feeds the results to the scheduler, whose ledger runs the
 * health state machine. Probes only the instances this node is responsible for, so a cluster
 * probes each instance once, not once per node.
 */
public final class HealthVerticle extends VerticleBase {
  private final Predicate<String> responsibleFor;
  private volatile GatewayConfig config;
  private ProviderClient providers;
  private SchedulerClient scheduler;
  private MessageConsumer<GatewayConfig> configConsumer;
  private long timerId = -1;
  private long intervalMs;

  /** @param responsibleFor whether this node probes the instance with the given id */
  public HealthVerticle(GatewayConfig config, Predicate<String> responsibleFor) {
    this.config = config;
    this.responsibleFor = responsibleFor;
  }

  @Override
  public Future<?> start() {
    providers = new ProviderClient(vertx);
    scheduler = new SchedulerClient(vertx);
    configConsumer = vertx.eventBus().localConsumer(Bus.CONFIG_CHANGED, msg -> {
      config = msg.body();
      schedule();
    });
    schedule();
    return configConsumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return configConsumer.unregister();
  }

  private void schedule() {
    long interval = config.health().probeIntervalMs();
    if (timerId >= 0 && interval == intervalMs) {
      return;
    }
    vertx.cancelTimer(timerId);
    intervalMs = interval;
    timerId = vertx.setPeriodic(interval, id -> probeAll());
  }

  private void probeAll() {
    GatewayConfig cfg = config;
    long timeout = cfg.health().probeTimeoutMs();
    for (InstanceConfig instance : cfg.instances().values()) {
      if (responsibleFor.test(instance.id())) {
        providers.probe(instance, timeout).onComplete(ar -> scheduler.probeResult(instance.pool(), instance.id(),
            ar.succeeded(), ar.succeeded() ? null : "probe failed: " + ar.cause().getMessage()));
      }
    }
  }
}
