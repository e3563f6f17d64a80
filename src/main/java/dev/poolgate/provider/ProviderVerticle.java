package dev.poolgate.provider;

import dev.poolgate.bus.Bus;
import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes upstream calls: picks the instance's adapter, which builds the upstream request and turns
 * the answer into OpenAI-shaped bytes over a pooled keep-alive client. Answers with the paused
 * reply (passed by reference), so the body is piped to the client with backpressure and never
 * crosses the event bus.
 */
public final class ProviderVerticle extends VerticleBase {
  /**
   * Connections per upstream host and provider verticle instance: far above any sane cap, so the
   * instance's max_concurrency (enforced by the ledger), not the pool, bounds what is in flight.
   */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 10_000;

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private HttpClient client;
  private Map<String, ProviderAdapter> adapters;

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions()
            .setKeepAlive(true)
            .setTcpNoDelay(true)
            .setTcpKeepAlive(true)
            .setIdleTimeout(60)
            .setPipelining(false)
            .setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(DEFAULT_MAX_CONNECTIONS_PER_HOST).setMaxWaitQueueSize(-1));
    adapters = Map.of(
        "openai", new OpenAiAdapter(vertx, client),
        "azure", new AzureAdapter(vertx, client),
        "gemini", new GeminiAdapter(vertx, client),
        "anthropic", new AnthropicAdapter(vertx, client),
        "bedrock", new BedrockAdapter(vertx, client),
        "mock", new MockAdapter(vertx));
    consumers.add(vertx.eventBus().<ProviderCall>localConsumer(Bus.PROVIDER_CALL, msg -> {
      ProviderCall call = msg.body();
      call(call).onComplete(ar -> msg.reply(ar.succeeded()
          ? new CallResult(ar.result(), null)
          : new CallResult(null, OpenAiAdapter.classify(call.instance().id(), ar.cause())), Bus.LOCAL));
    }));
    consumers.add(vertx.eventBus().<ProbeRequest>localConsumer(Bus.PROVIDER_PROBE, msg ->
        adapter(msg.body().instance()).probe(msg.body().instance(), msg.body().timeoutMs())
            .onSuccess(v -> msg.reply(null))
            .onFailure(e -> msg.fail(1, String.valueOf(e.getMessage())))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  /** The adapter's own call, or the call bridged through OpenAI if the adapter does not speak the client's protocol. */
  private Future<UpstreamReply> call(ProviderCall call) {
    ProviderAdapter adapter = adapter(call.instance());
    return adapter.speaks(call.protocol(), call.instance()) ? adapter.call(call) : ProtocolBridge.call(adapter, call);
  }

  private ProviderAdapter adapter(InstanceConfig instance) {
    ProviderAdapter adapter = adapters.get(instance.adapter());
    if (adapter == null) {
      // config validation rejects unknown providers; reaching here is a bug
      throw new IllegalStateException("no adapter " + instance.adapter() + " for provider " + instance.provider());
    }
    return adapter;
  }

  /** Asks whether an instance is up. */
  public record ProbeRequest(InstanceConfig instance, long timeoutMs) {}
}
