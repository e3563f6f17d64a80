package dev.poolgate.lib;

import com.hazelcast.core.HazelcastInstance;
import dev.poolgate.Gateway;
import dev.poolgate.api.PoolgateBusClient;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.ledger.LocalSlotLedger;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * poolgate inside an application: the same pools, caps, queue, priorities, retries and errors as
 * the server, without HTTP unless asked for. Requests go through the node's event-bus API, so a
 * library node and server nodes in one cluster share one ledger.
 *
 * <pre>{@code
 * Poolgate.start(vertx, config).onSuccess(gate -> {
 *   gate.chat(request).onSuccess(answer -> ...);               // Future<JsonObject>
 *   gate.stream(request).handler(chunk -> ...).endHandler(v -> gate.close());
 * });
 * }</pre>
 */
public final class Poolgate {
  private final Vertx vertx;
  private final Gateway gateway;
  private final PoolgateBusClient client;
  private final boolean ownsVertx;

  private Poolgate(Vertx vertx, Gateway gateway, boolean ownsVertx) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.client = new PoolgateBusClient(vertx);
    this.ownsVertx = ownsVertx;
  }

  /** Starts a node on this Vert.x without HTTP: standalone, or clustered if the Vert.x is (Hazelcast). */
  public static Future<Poolgate> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, false);
  }

  /** As {@link #start(Vertx, GatewayConfig)}, serving HTTP on {@code server.port} too if {@code http}. */
  public static Future<Poolgate> start(Vertx vertx, GatewayConfig config, boolean http) {
    HazelcastInstance hz = ClusterNode.hazelcastOf(vertx);
    Future<Gateway> gateway = hz == null
        ? Gateway.start(vertx, config, new LocalSlotLedger(vertx, LedgerOptions.DEFAULT), id -> true, http)
        : ClusterNode.start(new ClusterNode.Member(vertx, hz), config, LedgerOptions.DEFAULT, http)
            .map(ClusterNode::gateway);
    return gateway.map(gw -> new Poolgate(vertx, gw, false));
  }

  /** For callers without Vert.x: starts its own Vert.x and a standalone node, and waits. */
  public static Poolgate startBlocking(GatewayConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      Gateway gw = await(Gateway.start(vertx, config, new LocalSlotLedger(vertx, LedgerOptions.DEFAULT),
          id -> true, false), 60_000);
      return new Poolgate(vertx, gw, true);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /**
   * An OpenAI chat completion (request and answer as OpenAI JSON; {@code user_level} sets the
   * priority). Fails with {@link PoolgateBusClient.PoolgateError}: HTTP status and OpenAI error.
   */
  public Future<JsonObject> chat(JsonObject request) {
    return client.chat(request);
  }

  /** {@link #chat} for callers that may block; never call it on a Vert.x event loop. */
  public JsonObject chatBlocking(JsonObject request, long timeoutMs) {
    return await(chat(request), timeoutMs);
  }

  /** A streamed chat completion: chunk objects with backpressure (pausing pauses the upstream). */
  public ReadStream<JsonObject> stream(JsonObject request) {
    return client.stream(request);
  }

  /** Drains requests in flight, stops the node (and its own Vert.x, if it made one). */
  public Future<Void> close() {
    Future<Void> closed = gateway.shutdown(gateway.config().server().drainTimeoutMs());
    return ownsVertx ? closed.eventually(vertx::close) : closed;
  }

  /** Blocks the calling thread: only for callers outside Vert.x, never on an event loop. */
  private static <T> T await(Future<T> future, long timeoutMs) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("poolgate's blocking calls would block a Vert.x event loop; use the Future API");
    }
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + timeoutMs + " ms", e);
    }
  }
}
