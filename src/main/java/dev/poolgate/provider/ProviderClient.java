package dev.poolgate.provider;

import dev.poolgate.bus.Ask;
import dev.poolgate.bus.Bus;
import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

/**
 * How the other verticles ask for upstream calls and probes. A call goes to the provider verticle
 * on the caller's own event loop ({@link ProviderVerticle#callAddress}), so the call, its answer
 * and the piping of its body stay on one thread; only when no provider runs on that loop does it
 * go to any provider.
 */
public final class ProviderClient {
  /** How much longer than the probe's own time-out the bus waits for its answer. */
  private static final long BUS_GRACE_MS = 5_000;
  private final Vertx vertx;
  private final EventBus bus;

  public ProviderClient(Vertx vertx) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
  }

  /**
   * Completes with the reply, or fails with an {@link UpstreamException}. Its time is bounded by
   * the instance's budget, kept by the upstream client: no second deadline here can disagree with it.
   */
  public Future<UpstreamReply> call(ProviderCall call) {
    return Ask.send(bus, ProviderVerticle.callAddress(vertx.getOrCreateContext()), call);
  }

  public Future<Void> probe(InstanceConfig instance, long timeoutMs) {
    return bus.request(Bus.PROVIDER_PROBE, new ProviderVerticle.ProbeRequest(instance, timeoutMs),
        Bus.local(timeoutMs + BUS_GRACE_MS)).mapEmpty();
  }
}
