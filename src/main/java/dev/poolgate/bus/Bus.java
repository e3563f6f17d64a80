package dev.poolgate.bus;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

import java.util.List;

/**
 * Event-bus addresses between the verticles of one node, and the one way failures cross them.
 * Every address here is node-local (local consumers, local-only delivery): in a cluster, state is
 * shared through the ledger, not by sending requests to other nodes' verticles.
 */
public final class Bus {
  public static final String ACQUIRE = "poolgate.scheduler.acquire";
  public static final String CANCEL = "poolgate.scheduler.cancel";
  public static final String RELEASE = "poolgate.scheduler.release";
  public static final String PROBE_RESULT = "poolgate.scheduler.probe-result";
  public static final String SNAPSHOT = "poolgate.scheduler.snapshot";
  public static final String CONFIGURE = "poolgate.scheduler.configure";
  public static final String PROVIDER_CALL = "poolgate.provider.call";
  public static final String PROVIDER_PROBE = "poolgate.provider.probe";
  /**
   * Published (locally) with a JSON array of lease ids when the cluster took those leases away
   * from this node: the requests holding them reset their upstream calls.
   */
  public static final String LEASES_LOST = "poolgate.scheduler.leases-lost";
  /** Published (locally) when a new configuration takes effect. */
  public static final String CONFIG_CHANGED = "poolgate.config.changed";

  public static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private Bus() {
  }

  /** Registers the by-reference codecs once per Vert.x instance. */
  public static synchronized void registerCodecs(Vertx vertx, List<Class<?>> types) {
    for (Class<?> type : types) {
      register(vertx, type);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void register(Vertx vertx, Class type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec(type));
    } catch (IllegalStateException alreadyRegistered) {
      // a second gateway on the same Vert.x (tests, embedding) shares the codecs
    }
  }

  public static DeliveryOptions local(long timeoutMs) {
    return new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs);
  }

  /** Answers a message with a failure that keeps its kind across the bus. */
  public static void fail(Message<?> message, Throwable t) {
    message.fail(GatewayException.kindOf(t).ordinal(), String.valueOf(t.getMessage()));
  }

  /** Turns a failed request back into the failure the other side sent. */
  public static <T> Future<T> unwrap(Throwable t) {
    if (t instanceof ReplyException r) {
      return switch (r.failureType()) {
        case RECIPIENT_FAILURE -> Future.failedFuture(new GatewayException(kind(r.failureCode()), r.getMessage()));
        case TIMEOUT -> Future.failedFuture(ErrorKind.INTERNAL.exception("internal timeout: " + r.getMessage()));
        default -> Future.failedFuture(ErrorKind.INTERNAL.exception("internal error: " + r.getMessage()));
      };
    }
    return Future.failedFuture(t);
  }

  private static ErrorKind kind(int code) {
    ErrorKind[] kinds = ErrorKind.values();
    return code >= 0 && code < kinds.length ? kinds[code] : ErrorKind.INTERNAL;
  }
}
