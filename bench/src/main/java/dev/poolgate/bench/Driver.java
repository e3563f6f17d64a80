package dev.poolgate.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One load-generator event loop: its own HttpClient (bounded pool) and its own single-threaded {@link Stats}, so the
 * hot path needs no locks. {@link LoadGen} runs one Driver per thread and merges their stats after each phase.
 */
final class Driver extends AbstractVerticle {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  /** Cross-thread counters, read only by the progress printer (soak) while the run is going on. */
  static final class Live {
    final AtomicLong started = new AtomicLong();
    final AtomicLong firstBytes = new AtomicLong();
    final AtomicLong ended = new AtomicLong();
  }

  private final LoadGen.Config cfg;
  private final int poolSize;
  private final Live live;
  private final Buffer body;
  private HttpClient client;
  private java.util.List<RequestOptions> requests;
  private long sent;

  // Phase state: touched only on this verticle's event loop.
  private Stats stats;
  private Promise<Stats> phaseDone;
  private boolean closedLoop;
  private long deadlineNs;
  private long inFlight;
  private boolean allSent;
  private long maxRequests;
  private long hardStopTimer;
  private int phase; // answers from an earlier phase (cut short by its hard stop) must not count in this one

  Driver(LoadGen.Config cfg, int poolSize, Live live) {
    this.cfg = cfg;
    this.poolSize = poolSize;
    this.live = live;
    this.body = Buffer.buffer(cfg.requestBody());
  }

  @Override
  public void start() {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setDefaultHost(cfg.host()).setDefaultPort(cfg.port()), new PoolOptions().setHttp1MaxSize(poolSize));
    requests = cfg.ports().stream().map(port -> new RequestOptions().setMethod(HttpMethod.POST).setURI(cfg.path())
        .setHost(cfg.host()).setPort(port)
        .setConnectTimeout(cfg.timeoutMs()) // also bounds the wait for a pooled connection
        .setIdleTimeout(cfg.timeoutMs())
        .putHeader("content-type", "application/json")
        .putHeader("authorization", "Bearer " + cfg.apiKey())).toList();
  }

  /** Starts a phase on this driver's event loop; closed loop runs {@code loops} back-to-back request chains. */
  Future<Stats> begin(boolean closed, int loops, long durationMs, long hardStopMs, long maxRequests) {
    Promise<Stats> p = Promise.promise();
    context.runOnContext(v -> {
      stats = new Stats(cfg.trace() != null);
      phase++;
      phaseDone = p;
      closedLoop = closed;
      inFlight = 0;
      allSent = false;
      this.maxRequests = maxRequests;
      stats.startNs = System.nanoTime();
      deadlineNs = stats.startNs + durationMs * 1_000_000L;
      hardStopTimer = vertx.setTimer(hardStopMs, t -> finish()); // bounded no matter what the target does
      for (int i = 0; i < loops; i++) {
        fire(System.nanoTime());
      }
      if (closed && loops == 0) {
        finish();
      }
    });
    return p.future();
  }

  /** Open loop: called by the pacer thread at (or just after) each request's intended start. */
  void fireAt(long intendedNs) {
    context.runOnContext(v -> {
      if (phaseDone != null) {
        stats.schedLag.recordValue(Stats.clampUs(System.nanoTime() - intendedNs));
        fire(intendedNs);
      }
    });
  }

  /** Open loop: the pacer has handed out every request of this phase. */
  void sendingDone() {
    context.runOnContext(v -> {
      allSent = true;
      if (inFlight == 0) {
        finish();
      }
    });
  }

  private void fire(long intendedNs) {
    inFlight++;
    live.started.incrementAndGet();
    Call call = new Call(intendedNs, phase);
    // several ports: round-robin over them, like a balancer in front of cluster nodes
    RequestOptions request = requests.get((int) (sent++ % requests.size()));
    client.request(request)
        .compose(req -> req.send(body))
        .compose(resp -> read(resp, call))
        .onComplete(ar -> {
          long now = System.nanoTime();
          live.ended.incrementAndGet();
          if (phaseDone == null || call.phase != phase) {
            return; // its phase already ended at the hard stop: this late answer belongs to no one
          }
          inFlight--;
          if (ar.succeeded()) {
            stats.ok(call.intendedNs, call.firstByteNs, now, call.bytes, now <= deadlineNs);
          } else {
            stats.error(ar.cause());
          }
          if (closedLoop && now < deadlineNs && stats.total() < maxRequests) {
            fire(System.nanoTime());
          } else if ((closedLoop || allSent) && inFlight == 0) {
            finish();
          }
        });
  }

  private Future<Void> read(HttpClientResponse resp, Call call) {
    if (resp.statusCode() != 200) {
      return resp.body().transform(ar -> Future.failedFuture(new Stats.BadStatus(resp.statusCode())));
    }
    resp.handler(buf -> {
      if (call.firstByteNs == 0) {
        call.firstByteNs = System.nanoTime();
        live.firstBytes.incrementAndGet();
      }
      call.bytes += buf.length();
      call.keepTail(buf);
    });
    return resp.end().compose(v -> !cfg.stream() || call.endsWithDone()
        ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException("stream ended without [DONE]")));
  }

  private void finish() {
    if (phaseDone == null) {
      return;
    }
    vertx.cancelTimer(hardStopTimer);
    stats.unfinished = inFlight;
    stats.endNs = System.nanoTime();
    Promise<Stats> p = phaseDone;
    phaseDone = null;
    p.complete(stats);
  }

  /** Per-request bookkeeping; the tail lets us check a stream really ended with "data: [DONE]". */
  private static final class Call {
    final long intendedNs;
    final int phase;
    long firstByteNs;
    long bytes;
    final byte[] tail = new byte[DONE.length];
    int tailLen;

    Call(long intendedNs, int phase) {
      this.intendedNs = intendedNs;
      this.phase = phase;
    }

    void keepTail(Buffer buf) {
      int n = buf.length();
      if (n >= tail.length) {
        buf.getBytes(n - tail.length, n, tail);
        tailLen = tail.length;
        return;
      }
      int keep = Math.min(tailLen, tail.length - n);
      System.arraycopy(tail, tailLen - keep, tail, 0, keep);
      buf.getBytes(0, n, tail, keep);
      tailLen = keep + n;
    }

    boolean endsWithDone() {
      return tailLen == DONE.length && Arrays.equals(tail, DONE);
    }
  }
}
