package dev.poolgate.provider;

import dev.poolgate.bus.Ask;
import dev.poolgate.bus.Bus;
import dev.poolgate.bus.LoopAddresses;
import dev.poolgate.config.InstanceConfig;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes upstream calls, one instance per event loop, each also listening on its loop's own
 * address ({@link #callAddress}): picks the instance's adapter, which builds the upstream request
 * and turns the answer into OpenAI-shaped bytes over a pooled keep-alive client. Answers with the
 * paused reply (passed by reference), so the body is piped to the client with backpressure and
 * never crosses the event bus.
 */
public final class ProviderVerticle extends VerticleBase {
  /**
   * Connections per upstream host and provider verticle instance: far above any sane cap, so the
   * instance's max_concurrency (enforced by the ledger), not the pool, bounds what is in flight.
   */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 10_000;

  /** The call address of each event loop that has a provider verticle. */
  private static final LoopAddresses CALLS = new LoopAddresses(Bus.PROVIDER_CALL);
  private static final Logger log = LoggerFactory.getLogger(ProviderVerticle.class);

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
    Handler<Message<Ask<ProviderCall, UpstreamReply>>> calls = msg -> answer(msg.body());
    consumers.add(vertx.eventBus().localConsumer(Bus.PROVIDER_CALL, calls));
    consumers.add(vertx.eventBus().localConsumer(CALLS.serve(context), calls));
    consumers.add(vertx.eventBus().<ProbeRequest>localConsumer(Bus.PROVIDER_PROBE, msg ->
        adapter(msg.body().instance()).probe(msg.body().instance(), msg.body().timeoutMs())
            .onSuccess(v -> msg.reply(null))
            .onFailure(e -> msg.fail(1, String.valueOf(e.getMessage())))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    CALLS.leave(context);
    return client.close();
  }

  /**
   * Where a caller running on this context sends its calls: the provider on its own event loop
   * when there is one (no thread hop for the call, its answer or its body), else any provider.
   */
  public static String callAddress(Context context) {
    return CALLS.addressFor(context);
  }

  /** How many provider verticles run on each event loop (of every Vert.x in this JVM). */
  public static int perLoop(EventLoop loop) {
    return CALLS.on(loop);
  }

  /**
   * Makes the call and answers with the reply, or the failure as an {@link UpstreamException}. A
   * reply the asker can no longer take (it answered already) is cancelled, so its upstream call ends.
   */
  private void answer(Ask<ProviderCall, UpstreamReply> ask) {
    ProviderCall call = ask.question();
    Future<UpstreamReply> reply;
    try {
      reply = call(call);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (ar.failed()) {
        ask.answer().tryFail(UpstreamException.classify(call.instance().id(), ar.cause()));
      } else if (!ask.answer().tryComplete(ar.result())) {
        ar.result().cancel();
      }
    });
  }

  /** The adapter's own call, or the call bridged through OpenAI if the adapter does not speak the client's protocol. */
  private Future<UpstreamReply> call(ProviderCall call) {
    try {
      ProviderAdapter adapter = adapter(call.instance());
      return adapter.speaks(call.protocol(), call.instance()) ? adapter.call(call) : ProtocolBridge.call(adapter, call);
    } catch (RuntimeException e) {
      // a bug in an adapter still answers the caller, who then ends the request and frees its slot
      log.error("the {} adapter failed to start a call to {}", call.instance().adapter(), call.instance().id(), e);
      return Future.failedFuture(e);
    }
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
