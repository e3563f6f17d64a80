package dev.poolgate.http;

import dev.poolgate.timing.LoopDeadlines;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.Map;

/**
 * Closes a connection that does not deliver a complete request head in time: within the request
 * timeout of opening, and within the idle timeout (the keep-alive timeout) of its previous answer
 * ending. A client trickling its head a byte at a time (slowloris) keeps resetting the idle
 * timeout, which counts silence, and never reaches the router, where {@link BodyDeadlineHandler}
 * takes over; only a deadline that bytes do not reset stops it.
 *
 * <p>One per {@link IngressVerticle} instance: its connections and timers all run on that
 * verticle's event loop, so the map needs no lock.
 */
final class HeadDeadline {
  private final Vertx vertx;
  private final long firstHeadMs;
  private final long nextHeadMs;
  private final Map<HttpConnection, Deadline> open = new HashMap<>();

  /**
   * @param firstHeadMs how long a new connection has for its first head
   * @param nextHeadMs  how long a kept-alive connection has for its next head after an answer
   */
  HeadDeadline(Vertx vertx, long firstHeadMs, long nextHeadMs) {
    this.vertx = vertx;
    this.firstHeadMs = firstHeadMs;
    this.nextHeadMs = nextHeadMs;
  }

  /** A new connection: its first head is due. */
  void connected(HttpConnection conn) {
    Deadline deadline = new Deadline(conn);
    open.put(conn, deadline);
    conn.closeHandler(v -> {
      deadline.closed = true;
      deadline.disarm();
      open.remove(conn);
    });
    deadline.arm(firstHeadMs);
  }

  /** A head arrived: no deadline while it is served; the next head is due once the answer ends. */
  void headReceived(RoutingContext ctx) {
    Deadline deadline = open.get(ctx.request().connection());
    if (deadline == null) {
      return;
    }
    deadline.serving++;
    deadline.disarm();
    ctx.addEndHandler(ar -> {
      deadline.serving--;
      deadline.arm(nextHeadMs);
    });
  }

  private final class Deadline {
    private final HttpConnection conn;
    private LoopDeadlines.Deadline timer;
    private boolean closed;
    /** Requests of this connection being served: while any is, no head is due. */
    private int serving;

    Deadline(HttpConnection conn) {
      this.conn = conn;
    }

    void arm(long ms) {
      disarm();
      if (!closed && serving == 0) {
        timer = LoopDeadlines.after(vertx.getOrCreateContext(), ms, () -> {
          timer = null;
          if (serving == 0) {
            conn.close();
          }
        });
      }
    }

    void disarm() {
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
    }
  }
}
