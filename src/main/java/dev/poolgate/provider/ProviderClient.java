package dev.poolgate.provider;

import dev.poolgate.bus.Bus;
import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

/** How the other verticles ask for upstream calls and probes. */
public final class ProviderClient {
  private static final long BUS_GRACE_MS = 5_000;
  private final EventBus bus;

  public ProviderClient(Vertx vertx) {
    this.bus = vertx.eventBus();
  }

  /** Completes with the reply, or fails with an {@link UpstreamException}. */
  public Future<UpstreamReply> call(ProviderCall call) {
    long wait = call.instance().connectTimeoutMs() + call.instance().timeoutMs() + BUS_GRACE_MS;
    return bus.<CallResult>request(Bus.PROVIDER_CALL, call, Bus.local(wait))
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
