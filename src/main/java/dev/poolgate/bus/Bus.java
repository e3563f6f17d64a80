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
  /** Published (locally) when a new configuration takes effect. */
  public static final String CONFIG_CHANGED = "poolgate.config.changed";

  /** Between a failure's kind name and its message (kind names never contain it). */
  private static final char KIND_SEPARATOR = '|';

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

  /**
   * Answers a message with a failure that keeps its kind across the bus: by the kind's name (so
   * adding or reordering kinds changes nothing on the wire), with its status as the failure code.
   */
  public static void fail(Message<?> message, Throwable t) {
    ErrorKind kind = GatewayException.kindOf(t);
    message.fail(kind.status(), kind.name() + KIND_SEPARATOR + t.getMessage());
  }

  /** Turns a failed request back into the failure the other side sent. */
  public static <T> Future<T> unwrap(Throwable t) {
    if (t instanceof ReplyException r) {
      return switch (r.failureType()) {
        case RECIPIENT_FAILURE -> Future.failedFuture(recipientFailure(String.valueOf(r.getMessage())));
        case TIMEOUT -> Future.failedFuture(ErrorKind.INTERNAL.exception("internal timeout: " + r.getMessage()));
        default -> Future.failedFuture(ErrorKind.INTERNAL.exception("internal error: " + r.getMessage()));
      };
    }
    return Future.failedFuture(t);
  }

  /** A failure {@link #fail} sent: its kind's name, the separator, its message; anything else is internal. */
  static GatewayException recipientFailure(String text) {
    int at = text.indexOf(KIND_SEPARATOR);
    if (at > 0) {
      try {
        return new GatewayException(ErrorKind.valueOf(text.substring(0, at)), text.substring(at + 1));
      } catch (IllegalArgumentException unknownKind) {
        // a kind this node does not know (a newer node sent it): internal, with the whole text
      }
    }
    return ErrorKind.INTERNAL.exception(text);
  }
}
