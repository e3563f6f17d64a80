package dev.poolgate.dispatch;

import dev.poolgate.config.GatewayConfig;
import dev.poolgate.provider.ProviderClient;
import dev.poolgate.scheduler.SchedulerClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.Supplier;

/**
 * Runs requests through the gateway: a slot from the scheduler, a call through the providers,
 * retries on other instances and then the fallback pools, and the answer piped to its sink. The
 * same path serves HTTP, the event-bus API and the library.
 */
public final class Dispatcher {
  private final Vertx vertx;
  private final SchedulerClient scheduler;
  private final ProviderClient providers;
  private final Supplier<GatewayConfig> config;

  public Dispatcher(Vertx vertx, Supplier<GatewayConfig> config) {
    this.vertx = vertx;
    this.scheduler = new SchedulerClient(vertx);
    this.providers = new ProviderClient(vertx);
    this.config = config;
  }

  /**
   * Serves one request into the sink. Completes when the answer is complete (or failed and told
   * to the client); every slot taken on the way has been released by then.
   */
  public Future<Served> dispatch(Job job, ReplySink sink) {
    return new Exchange(vertx, scheduler, providers, config.get(), job, sink).run();
  }
}
