package dev.poolgate.dispatch;

import dev.poolgate.Ids;
import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.config.ProviderCatalog;
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
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One request's way through the gateway. All its steps run on the context it started on; the
 * slot it holds is released exactly once on every path — success, upstream error, retry, client
 * gone while queued or mid-stream.
 */
final class Exchange {
  private final Vertx vertx;
  private final Context context;
  private final SchedulerClient scheduler;
  private final ProviderClient providers;
  private final GatewayConfig config;
  private final Job job;
  private final ReplySink sink;
  private final List<String> chain;
  private final Set<String> excluded = new HashSet<>();
  private final AtomicReference<Lease> lease = new AtomicReference<>();
  private final Promise<Served> done = Promise.promise();
  /** Completed when the client goes away: aborts the upstream call in progress. */
  private final Promise<Void> abandoned = Promise.promise();
  private int poolIndex;
  private int attemptsInPool;
  private int attempts;
  private volatile String pendingTicket;
  private volatile UpstreamReply reply;
  /** Time to first byte of the current attempt's answer, for the latency strategy; -1 until known. */
  private long ttfbMs = -1;
  private GatewayException lastUpstreamFailure;
  private final RequestTrace trace;
  /** The dispatcher's requests by the lease they hold; this one is in it while it holds a slot. */
  private final Map<String, Exchange> byLease;
  /** Set when the cluster took this request's lease away: its call was reset and it ends with 503. */
  private volatile boolean leaseLost;

  Exchange(Vertx vertx, SchedulerClient scheduler, ProviderClient providers, GatewayConfig config, Job job,
           ReplySink sink, RequestTrace trace, Map<String, Exchange> byLease) {
    this.trace = trace;
    this.byLease = byLease;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.scheduler = scheduler;
    this.providers = providers;
    this.config = config;
    this.job = job;
    this.sink = sink;
    this.chain = config.fallbackChain(job.pool());
  }

  Future<Served> run() {
    sink.onClose(this::clientGone);
    acquire();
    return done.future();
  }

  private String pool() {
    return chain.get(poolIndex);
  }

  private void acquire() {
    if (sink.closed()) {
      cancelled();
      return;
    }
    String pool = pool();
    // instances whose protocol cannot serve this endpoint (embeddings on gemini) are never picked,
    // neither here nor in the pools lending to this one
    java.util.stream.Stream.concat(java.util.stream.Stream.of(pool), config.lendersTo(pool).stream())
        .flatMap(p -> config.pools().get(p).instances().stream())
        .filter(i -> !ProviderCatalog.serves(i.adapter(), job.endpoint()))
        .forEach(i -> excluded.add(i.id()));
    String ticket = Ids.next();
    pendingTicket = ticket;
    long deadline = System.currentTimeMillis() + config.pools().get(pool).queue().timeoutMs();
    trace.acquiring(pool);
    scheduler.acquire(new SlotRequest(pool, ticket, job.priority(), deadline, excluded)).onComplete(ar -> {
      pendingTicket = null;
      if (ar.succeeded()) {
        call(ar.result());
      } else {
        noSlot(ar.cause());
      }
    });
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
    lease.set(granted);
    byLease.put(granted.leaseId(), this);
    trace.granted(granted.instanceId(), !granted.pool().equals(pool()));
    if (sink.closed()) {
      release(Outcome.NEUTRAL, null);
      cancelled();
      return;
    }
    InstanceConfig instance = config.instances().get(granted.instanceId());
    if (instance == null) {
      // the instance joined with a config newer than this request's: try another
      release(Outcome.NEUTRAL, null);
      excluded.add(granted.instanceId());
      acquire();
      return;
    }
    attempts++;
    attemptsInPool++;
    ttfbMs = -1;
    trace.calling(attempts, poolIndex > 0);
    long sentAt = System.nanoTime();
    providers.call(new ProviderCall(instance, job.endpoint(), job.body(), job.stream(), job.requestId(),
        abandoned.future(), job.protocol()))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            ttfbMs = (System.nanoTime() - sentAt) / 1_000_000;
            trace.upstreamAnswered();
            relay(instance, granted, ar.result());
          } else {
            callFailed(instance, granted, ar.cause() instanceof UpstreamException u ? u
                : UpstreamException.connect(instance.id(), ar.cause()));
          }
        });
  }

  private void callFailed(InstanceConfig instance, Lease granted, UpstreamException failure) {
    // a call aborted because the client left, or because its lease was lost, says nothing about the instance
    release(sink.closed() || leaseLost ? Outcome.NEUTRAL : failure.outcome(), failure.getMessage());
    if (leaseLost) {
      fail(lostLease());
    } else if (sink.closed()) {
      cancelled();
    } else if (failure.passThrough()) {
      Served served = served(instance, granted);
      trace.passedThrough(failure.upstreamStatus());
      sink.upstreamError(served, failure.upstreamStatus(), failure.upstreamBody());
      done.tryComplete(served);
    } else if (failure.retryable()) {
      retry(instance, failure);
    } else {
      fail(new GatewayException(failure.kind(), failure.getMessage()));
    }
  }

  private void relay(InstanceConfig instance, Lease granted, UpstreamReply answer) {
    reply = answer;
    if (sink.closed()) {
      answer.cancel();
      release(Outcome.NEUTRAL, null);
      cancelled();
      return;
    }
    Served served = served(instance, granted);
    TappedWriteStream toClient = new TappedWriteStream(sink.open(served, answer), b -> trace.firstByte());
    answer.body().pipe().endOnFailure(false).to(toClient)
        .onComplete(ar -> context.runOnContext(v -> relayed(instance, served, answer, ar, toClient.targetFailed())));
  }

  /** @param clientFailed a write to the client failed: the client went away, the upstream did nothing wrong */
  private void relayed(InstanceConfig instance, Served served, UpstreamReply answer, AsyncResult<Void> ar,
                       boolean clientFailed) {
    reply = null;
    if (ar.succeeded()) {
      trace.usage(answer.usage().promptTokens(), answer.usage().completionTokens());
      release(Outcome.SUCCESS, null, measured(answer));
      done.tryComplete(served);
      return;
    }
    answer.cancel();
    if (sink.closed() || clientFailed) {
      release(Outcome.NEUTRAL, null);
      cancelled();
      return;
    }
    if (leaseLost) {
      release(Outcome.NEUTRAL, null);
      fail(lostLease());
      return;
    }
    Throwable cause = ar.cause();
    UpstreamException failure = cause instanceof UpstreamException u ? u
        : UpstreamException.malformed(instance.id(), "the answer broke off: " + cause.getMessage());
    release(Outcome.FAILURE, failure.getMessage(), measured(answer));
    if (!sink.committed()) {
      retry(instance, failure);
    } else {
      GatewayException broken = new GatewayException(ErrorKind.UPSTREAM_ERROR,
          "the upstream stream broke off after it started: " + failure.getMessage());
      sink.fail(broken);
      done.tryFail(broken);
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
      vertx.setTimer(backoff, id -> acquire());
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

  private void clientGone() {
    abandoned.tryComplete();
    String ticket = pendingTicket;
    if (ticket != null) {
      scheduler.cancel(pool(), ticket);
    }
    UpstreamReply r = reply;
    if (r != null) {
      r.cancel();
    }
  }

  /**
   * The cluster took this request's lease away (this node stood still or was cut off longer than
   * the failure-detection time): the slot may already serve another request, so the upstream call
   * is reset at once — before its answer, or mid-stream — and the request ends with a 503.
   */
  void leaseLost(String leaseId) {
    context.runOnContext(v -> {
      Lease held = lease.get();
      if (held == null || !held.leaseId().equals(leaseId)) {
        return;
      }
      leaseLost = true;
      abandoned.tryComplete();
      UpstreamReply r = reply;
      if (r != null) {
        r.cancel();
      }
    });
  }

  private static GatewayException lostLease() {
    return ErrorKind.STORE_UNAVAILABLE.exception("this node lost its slot to the cluster (it stood still or was cut"
        + " off longer than the failure-detection time); the upstream call was reset");
  }

  private void release(Outcome outcome, String error) {
    release(outcome, error, CallMetrics.NONE);
  }

  private void release(Outcome outcome, String error, CallMetrics metrics) {
    Lease held = lease.getAndSet(null);
    if (held != null) {
      byLease.remove(held.leaseId());
      scheduler.release(held, outcome, error, metrics);
    }
  }

  /** What the answer cost: its tokens (as far as it got) and its time to first byte. */
  private CallMetrics measured(UpstreamReply answer) {
    return new CallMetrics(ttfbMs, (long) answer.usage().promptTokens() + answer.usage().completionTokens());
  }

  /** A lease recorded in another pool than the one asked is a borrowed slot: that pool lent it. */
  private Served served(InstanceConfig instance, Lease granted) {
    String lender = granted.pool().equals(pool()) ? null : granted.pool();
    return new Served(job.requestId(), pool(), instance.id(), attempts, poolIndex > 0, lender);
  }

  private void fail(Throwable cause) {
    GatewayException error = cause instanceof GatewayException g ? g
        : ErrorKind.INTERNAL.exception("internal error: " + cause.getMessage());
    sink.fail(error);
    done.tryFail(error);
  }

  private void cancelled() {
    done.tryFail(ErrorKind.CANCELLED.exception("the client went away"));
  }
}
