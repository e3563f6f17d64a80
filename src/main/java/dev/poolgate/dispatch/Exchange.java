package dev.poolgate.dispatch;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.Ids;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.ledger.SlotRequest;
import dev.poolgate.metrics.RequestTrace;
import dev.poolgate.provider.ProviderCall;
import dev.poolgate.provider.ProviderClient;
import dev.poolgate.provider.UpstreamException;
import dev.poolgate.provider.UpstreamReply;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One request's way through the gateway, and its one owner. Every step runs on the context the
 * request started on (callbacks from elsewhere hop back to it first), so its state needs no lock.
 *
 * <p>Every path — answer, upstream error, retry, fallback, client gone while queued or mid-stream,
 * an abort from outside ({@link LiveRequests#abort}), an exception in any step — reaches
 * {@link #end} exactly once. Slots are given back in one place, {@link #finishAttempt}: it first
 * resets the upstream call made on the slot (unless that call completed), then releases the slot,
 * so a slot is never free while its upstream exchange is open. No timer here gives up on an
 * upstream call: its instance's time budget is kept by the upstream client.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  private final Vertx vertx;
  private final RequestContext context;
  private final SchedulerClient scheduler;
  private final ProviderClient providers;
  private final LiveRequests live;
  private final GatewayConfig config;
  private final Routes routes;
  private final Job job;
  private final ReplySink sink;
  private final RequestTrace trace;
  private final List<String> chain;
  private final Set<String> excluded = new HashSet<>();
  private final Promise<Served> done = Promise.promise();
  private int poolIndex;
  private int attemptsInPool;
  private int attempts;
  private GatewayException lastUpstreamFailure;
  /** The ticket waiting for a slot, while the request is queued. */
  private String pendingTicket;
  /** The slot held and the upstream call made on it, while there is one. */
  private Attempt attempt;
  private boolean ended;

  /** One slot and the upstream call on it. */
  private static final class Attempt {
    final Lease lease;
    /** Completed to give up on the upstream call: the upstream client resets it. */
    final Promise<Void> abort = Promise.promise();
    InstanceConfig instance;
    UpstreamReply reply;
    long sentAt;
    /** Time to first byte of the answer, for the latency strategy; -1 until known. */
    long ttfbMs = -1;
    /** The upstream exchange ended by itself (answer complete): nothing left to reset. */
    boolean complete;

    Attempt(Lease lease) {
      this.lease = lease;
    }
  }

  Exchange(Vertx vertx, SchedulerClient scheduler, ProviderClient providers, LiveRequests live, Routes routes,
           Job job, ReplySink sink, RequestTrace trace) {
    this.vertx = vertx;
    this.context = new RequestContext(vertx.getOrCreateContext());
    this.scheduler = scheduler;
    this.providers = providers;
    this.live = live;
    this.routes = routes;
    this.config = routes.config();
    this.job = job;
    this.sink = sink;
    this.trace = trace;
    this.chain = routes.chain(job.pool());
  }

  Future<Served> run() {
    onContext(() -> {
      sink.onClose(() -> onContext(this::cancelled));
      acquire();
    });
    return done.future();
  }

  /** Ends the request from any thread: its upstream call is reset, its slot released, its client told why. */
  void abort(String reason) {
    onContext(() -> fail(ErrorKind.STORE_UNAVAILABLE.exception("the request was aborted: " + reason)));
  }

  // ------------------------------------------------------------------ steps

  private void acquire() {
    if (ended) {
      return;
    }
    if (sink.closed()) {
      cancelled();
      return;
    }
    String pool = pool();
    excluded.addAll(routes.unservable(pool, job.endpoint()));
    String ticket = Ids.next();
    pendingTicket = ticket;
    long deadline = System.currentTimeMillis() + config.pools().get(pool).queue().timeoutMs();
    trace.acquiring(pool);
    scheduler.acquire(new SlotRequest(pool, ticket, job.priority(), deadline, excluded))
        .onComplete(ar -> onContext(() -> acquired(ticket, ar)));
  }

  private void acquired(String ticket, AsyncResult<Lease> ar) {
    if (!ticket.equals(pendingTicket)) {
      // the request ended while queued: a grant that raced its cancel goes straight back
      if (ar.succeeded()) {
        scheduler.release(ar.result(), Outcome.NEUTRAL, null);
      }
      return;
    }
    pendingTicket = null;
    if (ar.succeeded()) {
      call(ar.result());
    } else {
      noSlot(ar.cause());
    }
  }

  private void noSlot(Throwable cause) {
    ErrorKind kind = GatewayException.kindOf(cause);
    if (kind == ErrorKind.CANCELLED || sink.closed()) {
      cancelled();
    } else if ((kind == ErrorKind.QUEUE_TIMEOUT || kind == ErrorKind.NO_INSTANCE) && nextPool()) {
      acquire();
    } else if (kind == ErrorKind.NO_INSTANCE && lastUpstreamFailure != null) {
      // every instance failed this request: say how the last one failed
      fail(lastUpstreamFailure);
    } else {
      fail(cause);
    }
  }

  private void call(Lease granted) {
    Attempt a = new Attempt(granted);
    attempt = a;
    live.holds(granted.leaseId(), this);
    trace.granted(granted.instanceId(), !granted.pool().equals(pool()));
    if (sink.closed()) {
      cancelled();
      return;
    }
    InstanceConfig instance = config.instances().get(granted.instanceId());
    if (instance == null) {
      // the instance joined with a config newer than this request's: try another
      finishAttempt(Outcome.NEUTRAL, null, CallMetrics.NONE);
      excluded.add(granted.instanceId());
      acquire();
      return;
    }
    a.instance = instance;
    attempts++;
    attemptsInPool++;
    trace.calling(attempts, poolIndex > 0);
    a.sentAt = System.nanoTime();
    providers.call(new ProviderCall(instance, job.endpoint(), job.body(), job.stream(), job.requestId(),
            a.abort.future(), job.protocol()))
        .onComplete(ar -> onContext(() -> answered(a, ar)));
  }

  private void answered(Attempt a, AsyncResult<UpstreamReply> ar) {
    if (a != attempt) {
      // the request gave up on this call (ended or aborted) and reset it; an answer that came anyway is dropped
      if (ar.succeeded()) {
        ar.result().cancel();
      }
      return;
    }
    if (ar.failed()) {
      callFailed(a, UpstreamException.classify(a.instance.id(), ar.cause()));
      return;
    }
    a.ttfbMs = (System.nanoTime() - a.sentAt) / 1_000_000;
    trace.upstreamAnswered();
    relay(a, ar.result());
  }

  private void callFailed(Attempt a, UpstreamException failure) {
    if (sink.closed()) {
      // a call aborted because the client left says nothing about the instance
      cancelled();
      return;
    }
    finishAttempt(failure.outcome(), failure.getMessage(), CallMetrics.NONE);
    if (failure.passThrough()) {
      Served served = served(a);
      trace.passedThrough(failure.upstreamStatus());
      sink.upstreamError(served, failure.upstreamStatus(), failure.upstreamBody());
      end(served, null, Outcome.NEUTRAL, CallMetrics.NONE);
    } else if (failure.retryable()) {
      retry(a.instance, failure);
    } else {
      fail(new GatewayException(failure.kind(), failure.getMessage()));
    }
  }

  private void relay(Attempt a, UpstreamReply answer) {
    a.reply = answer;
    if (sink.closed()) {
      cancelled();
      return;
    }
    Served served = served(a);
    TappedWriteStream toClient = new TappedWriteStream(sink.open(served, answer), b -> trace.firstByte());
    Buffer whole = answer.whole();
    Future<Void> sent = whole != null ? toClient.end(whole) : answer.body().pipe().endOnFailure(false).to(toClient);
    sent.onComplete(ar -> onContext(() -> relayed(a, served, ar, toClient.targetFailed())));
  }

  /** @param clientFailed a write to the client failed: the client went away, the upstream did nothing wrong */
  private void relayed(Attempt a, Served served, AsyncResult<Void> ar, boolean clientFailed) {
    if (a != attempt) {
      // ended meanwhile (client gone, aborted): the pipe broke because the call was reset
      return;
    }
    if (ar.succeeded()) {
      a.complete = true;
      trace.usage(a.reply.usage().promptTokens(), a.reply.usage().completionTokens());
      end(served, null, Outcome.SUCCESS, measured(a));
      return;
    }
    if (sink.closed() || clientFailed) {
      cancelled();
      return;
    }
    UpstreamException failure = UpstreamException.brokeOff(a.instance.id(), ar.cause());
    finishAttempt(Outcome.FAILURE, failure.getMessage(), measured(a));
    if (!sink.committed()) {
      retry(a.instance, failure);
    } else {
      fail(new GatewayException(ErrorKind.UPSTREAM_ERROR,
          "the upstream stream broke off after it started: " + failure.getMessage()));
    }
  }

  /** Another instance of this pool, after a backoff; when attempts run out, the fallback pool. */
  private void retry(InstanceConfig failed, UpstreamException failure) {
    lastUpstreamFailure = new GatewayException(failure.kind(), failure.getMessage());
    excluded.add(failed.id());
    if (attemptsInPool >= config.retry().maxAttempts() && !nextPool()) {
      fail(lastUpstreamFailure);
      return;
    }
    long backoff = config.retry().backoffMs() * attemptsInPool;
    if (backoff <= 0 || attemptsInPool == 0) {
      acquire();
    } else {
      vertx.setTimer(backoff, id -> onContext(this::acquire));
    }
  }

  private boolean nextPool() {
    if (poolIndex + 1 >= chain.size()) {
      return false;
    }
    poolIndex++;
    attemptsInPool = 0;
    excluded.clear();
    return true;
  }

  // ------------------------------------------------------------------ the end

  private void fail(Throwable cause) {
    GatewayException error = cause instanceof GatewayException g ? g
        : ErrorKind.INTERNAL.exception("internal error: " + cause.getMessage());
    end(null, error, Outcome.NEUTRAL, CallMetrics.NONE);
  }

  private void cancelled() {
    end(null, ErrorKind.CANCELLED.exception("the client went away"), Outcome.NEUTRAL, CallMetrics.NONE);
  }

  /**
   * The one end of the request, reached once by every path: the ticket still queued is cancelled,
   * the call still open reset and its slot released, the client told of a failure, and the
   * request's future completed — which releases the client key's permit and writes the access line.
   *
   * @param outcome what the held slot's call says about its instance, if a slot is still held
   */
  private void end(Served served, GatewayException failure, Outcome outcome, CallMetrics metrics) {
    if (ended) {
      return;
    }
    ended = true;
    try {
      String ticket = pendingTicket;
      pendingTicket = null;
      if (ticket != null) {
        scheduler.cancel(pool(), ticket);
      }
      finishAttempt(outcome, failure == null ? null : failure.getMessage(), metrics);
      if (failure != null && failure.kind() != ErrorKind.CANCELLED) {
        sink.fail(failure);
      }
    } catch (RuntimeException e) {
      log.error("ending request {} failed", job.requestId(), e);
    } finally {
      if (failure == null) {
        done.tryComplete(served);
      } else {
        done.tryFail(failure);
      }
    }
  }

  /**
   * Gives the held slot back — the one place that does. The upstream call made on it is reset
   * first unless it completed, so the slot is never free while the call is still open.
   */
  private void finishAttempt(Outcome outcome, String error, CallMetrics metrics) {
    Attempt a = attempt;
    attempt = null;
    if (a == null) {
      return;
    }
    if (!a.complete) {
      a.abort.tryComplete();
      if (a.reply != null) {
        a.reply.cancel();
      }
    }
    live.released(a.lease.leaseId(), this);
    scheduler.release(a.lease, outcome, error, metrics);
  }

  // ------------------------------------------------------------------ context

  /** Runs a step on the request's context ({@link RequestContext}); an exception in it ends the request. */
  private void onContext(Runnable step) {
    context.run(() -> guarded(step));
  }

  private void guarded(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      log.error("request {} failed in a step of its exchange", job.requestId(), e);
      fail(ErrorKind.INTERNAL.exception("internal error: " + e));
    }
  }

  // ------------------------------------------------------------------ helpers

  private String pool() {
    return chain.get(poolIndex);
  }

  /** What the answer cost: its tokens (as far as it got) and its time to first byte. */
  private static CallMetrics measured(Attempt a) {
    return new CallMetrics(a.ttfbMs, (long) a.reply.usage().promptTokens() + a.reply.usage().completionTokens());
  }

  /** A lease recorded in another pool than the one asked is a borrowed slot: that pool lent it. */
  private Served served(Attempt a) {
    String lender = a.lease.pool().equals(pool()) ? null : a.lease.pool();
    return new Served(job.requestId(), pool(), a.instance.id(), attempts, poolIndex > 0, lender);
  }
}
