package dev.poolgate.api;

import dev.poolgate.cluster.ClusterNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.UUID;

/**
 * A typed client of the event-bus chat API for any Vert.x app joined to the cluster (or in the
 * same JVM as a standalone node). An app joins the cluster as an application member, a Hazelcast
 * lite member that holds no ledger data and does none of the gateways' work:
 *
 * <pre>{@code
 * PoolgateBusClient.joinCluster(Map.of("POOLGATE_HZ_PORT", "5801")).onSuccess(vertx -> {
 *   PoolgateBusClient client = new PoolgateBusClient(vertx);
 *   ...
 * });
 * }</pre>
 *
 * <pre>{@code
 * PoolgateBusClient client = new PoolgateBusClient(vertx);
 * client.chat(new JsonObject().put("model", "small").put("messages", messages))
 *     .onSuccess(completion -> ...);
 * client.stream(request.put("stream", true))
 *     .handler(chunk -> ...).endHandler(v -> ...).exceptionHandler(err -> ...);
 * }</pre>
 */
public final class PoolgateBusClient {
  /** Chunks in flight before the consumer must grant more credit. */
  public static final int DEFAULT_WINDOW = 16;
  public static final long DEFAULT_TIMEOUT_MS = 120_000;

  private final Vertx vertx;
  private final long timeoutMs;

  public PoolgateBusClient(Vertx vertx) {
    this(vertx, DEFAULT_TIMEOUT_MS);
  }

  /** @param timeoutMs how long a non-stream request may take, queue wait included */
  public PoolgateBusClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /**
   * A clustered Vert.x joined to the poolgate cluster of {@code cluster.xml} (or the file in
   * {@code POOLGATE_CLUSTER_CONFIG}) as an application member; see
   * {@link ClusterNode#joinAsApplication}.
   *
   * @param overrides cluster.xml values, at least a {@code POOLGATE_HZ_PORT} of its own
   */
  public static Future<Vertx> joinCluster(Map<String, String> overrides) {
    return ClusterNode.joinAsApplication(overrides).map(ClusterNode.Member::vertx);
  }

  /** A chat completion; fails with {@link PoolgateError} carrying the HTTP status and OpenAI error. */
  public Future<JsonObject> chat(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(BusProtocol.ADDRESS, request.copy().put("stream", false),
            new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(m -> m.body())
        .recover(e -> Future.failedFuture(PoolgateError.from(e)));
  }

  /**
   * A streamed chat completion: a read stream of chunk objects with backpressure — a paused
   * stream stops granting credit, and the gateway stops reading from the upstream.
   */
  public ChatStream stream(JsonObject request) {
    return stream(request, DEFAULT_WINDOW);
  }

  public ChatStream stream(JsonObject request, int window) {
    String to = "poolgate.chat.stream." + UUID.randomUUID();
    ChatStream stream = new ChatStream(vertx.eventBus(), to, window);
    stream.start(request.copy().put("stream", true), timeoutMs);
    return stream;
  }

  /** A failure answered by the gateway: the HTTP status it stands for and the OpenAI error body. */
  public static final class PoolgateError extends RuntimeException {
    private final int status;
    private final JsonObject error;

    public PoolgateError(int status, JsonObject error) {
      super(error.getJsonObject("error", new JsonObject()).getString("message", "poolgate error " + status),
          null, false, false);
      this.status = status;
      this.error = error;
    }

    public int status() { return status; }
    public JsonObject error() { return error; }

    static Throwable from(Throwable e) {
      if (e instanceof ReplyException r && r.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
        JsonObject body;
        try {
          body = new JsonObject(String.valueOf(r.getMessage()));
        } catch (RuntimeException notJson) {
          body = new JsonObject().put("error", new JsonObject().put("message", r.getMessage()));
        }
        return new PoolgateError(r.failureCode(), body);
      }
      return e;
    }
  }
}
