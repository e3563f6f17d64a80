package dev.poolgate.provider;

import dev.poolgate.bus.Bus;
import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/**
 * How the other verticles ask for upstream calls and probes. A call goes to the provider verticle
 * on the caller's own event loop ({@link ProviderVerticle#callAddress}), so the call, its answer
 * and the piping of its body stay on one thread; only when no provider runs on that loop does it
 * go to any provider.
 */
public final class ProviderClient {
  /**
   * How much longer than its instance's whole time budget the bus waits for a call's answer. The
   * budget itself is kept by the upstream client; this only catches a provider that never answers
   * (undeployed mid-call), and the caller then aborts the call before it frees the slot.
   */
  private static final long BUS_GRACE_MS = 5_000;
  private final Vertx vertx;
  private final EventBus bus;

  public ProviderClient(Vertx vertx) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
  }

  /** Completes with the reply, or fails with an {@link UpstreamException}. */
  public Future<UpstreamReply> call(ProviderCall call) {
    DeliveryOptions options = Bus.local(call.instance().budget().worstCaseMs() + BUS_GRACE_MS);
    return bus.<CallResult>request(ProviderVerticle.callAddress(vertx.getOrCreateContext()), call, options)
        .recover(Bus::unwrap)
        .compose(m -> m.body().failure() != null
            ? Future.failedFuture(m.body().failure())
            : Future.succeededFuture(m.body().reply()));
  }

  public Future<Void> probe(InstanceConfig instance, long timeoutMs) {
    return bus.request(Bus.PROVIDER_PROBE, new ProviderVerticle.ProbeRequest(instance, timeoutMs),
        Bus.local(timeoutMs + BUS_GRACE_MS)).mapEmpty();
  }
}
