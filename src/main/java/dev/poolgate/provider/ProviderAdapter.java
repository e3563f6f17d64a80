package dev.poolgate.provider;

import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;

/**
 * Speaks one upstream protocol: builds the upstream request from an OpenAI-shaped call and turns
 * the answer back into OpenAI-shaped bytes. Fails with {@link UpstreamException}.
 */
public interface ProviderAdapter {

  /** Calls the instance; completes once the answer's status and headers are in and good. */
  Future<UpstreamReply> call(ProviderCall call);

  /**
   * Whether the adapter takes calls in this protocol itself; calls in a protocol it does not speak
   * are bridged through OpenAI ({@link ProtocolBridge}).
   */
  default boolean speaks(Protocol protocol) {
    return protocol == Protocol.OPENAI;
  }

  /** As above, for one instance (the Responses API depends on the service behind the adapter). */
  default boolean speaks(Protocol protocol, InstanceConfig instance) {
    return speaks(protocol);
  }

  /** A cheap request that tells whether the instance is up. */
  Future<Void> probe(InstanceConfig instance, long timeoutMs);
}
