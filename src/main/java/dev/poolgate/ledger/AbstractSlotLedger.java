package dev.poolgate.ledger;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The waiting side of a ledger, the same for every store: tickets this node waits on, the leases
 * it holds, and the timers that make grants safe when messages get lost.
 *
 * <p>A grant is recorded in the store before anyone is told. Whoever then takes it out of the
 * store — the waiter on a grant notice, the waiter's poll, the waiter's deadline timer, or a
 * cancel — owns the slot, so a grant is used or released exactly once whatever gets lost.
 */
public abstract class AbstractSlotLedger implements SlotLedger {
  private static final Logger log = LoggerFactory.getLogger(AbstractSlotLedger.class);

  protected final Vertx vertx;
  protected final LedgerOptions options;
  private final String nodeId;
  private final Map<String, Waiter> waiters = new ConcurrentHashMap<>();
  private final Map<String, Lease> held = new ConcurrentHashMap<>();
  private final List<Long> timers = new ArrayList<>();
  /** Per pool, the one drain this node has scheduled for when a rate window frees up. */
  private final Map<String, Wake> wakes = new ConcurrentHashMap<>();
  /** Test hook: grant notices matching it are dropped, as a lossy event bus would. */
  private volatile Predicate<Grant> dropNotice = g -> false;

  /** First pause before an admission that met store trouble is tried again; doubles up to the max. */
  public static final long STORE_RETRY_MIN_MS = 50;
  public static final long STORE_RETRY_MAX_MS = 1_000;
  /** A scheduled drain this far past its time is taken to have run. */
  private static final long STALE_WAKE_MS = 1_000;

  /**
   * A ticket this node waits on.
   *
   * @param admitted set once the store has answered its admission (granted, queued or rejected);
   *                 a ticket the store never answered before its deadline fails as
   *                 {@code STORE_UNAVAILABLE}, not as a queue timeout
   */
  private record Waiter(String pool, Promise<Lease> promise, long timerId, AtomicBoolean admitted) {}

  /** A drain scheduled at {@code at} (epoch millis) by timer {@code timerId}. */
  private record Wake(long at, long timerId) {}

  protected AbstractSlotLedger(Vertx vertx, String nodeId, LedgerOptions options) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.options = options;
  }

  /** Starts the renewal, sweep and claim-poll timers. */
  protected void startTimers() {
    timers.add(vertx.setPeriodic(options.renewEveryMs(), id -> renewHeld()));
    timers.add(vertx.setPeriodic(options.sweepEveryMs(), id -> sweep()));
    timers.add(vertx.setPeriodic(options.claimPollMs(), id -> pollGrants()));
  }

  // ------------------------------------------------------------------ store operations

  protected abstract Future<Admission> admitOp(String pool, Ticket ticket, long leaseTtlMs);

  protected abstract Future<Grant> cancelOp(String pool, String ticketId);

  protected abstract Future<Grant> claimOp(String pool, String ticketId);

  protected abstract Future<List<Grant>> claimAllOp(String pool, String nodeId);

  protected abstract Future<Drained> releaseOp(Lease lease, Outcome outcome, String error, CallMetrics metrics,
                                               long leaseTtlMs);

  protected abstract Future<Drained> probeOp(String pool, String instanceId, boolean ok, String error,
                                             long leaseTtlMs);

  /** Grants what rate windows have freed since the last operation on the pool. */
  protected abstract Future<Drained> drainOp(String pool, long leaseTtlMs);

  protected abstract Future<Void> renewOp(String pool, List<String> leaseIds, long until);

  protected abstract Future<List<Grant>> sweepOp(long now);

  /** Tells another node that its ticket was granted (at most once; the poll is the backstop). */
  protected abstract void notifyRemote(Grant grant);

  // ------------------------------------------------------------------ SlotLedger

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public Future<Lease> acquire(SlotRequest req) {
    Promise<Lease> promise = Promise.promise();
    long wait = Math.max(1, req.deadline() - System.currentTimeMillis());
    // registered before the store is asked, so a grant notice racing the answer finds its waiter
    long timer = vertx.setTimer(wait, id -> onDeadline(req.ticketId()));
    waiters.put(req.ticketId(), new Waiter(req.pool(), promise, timer, new AtomicBoolean()));
    Ticket ticket = new Ticket(req.ticketId(), nodeId, req.priority(), 0, req.deadline(), req.excluded());
    admit(req.pool(), ticket, STORE_RETRY_MIN_MS);
    return promise.future();
  }

  /**
   * Asks the store to admit the ticket. When the store is unreachable the ticket keeps waiting and
   * the admission is retried with backoff until its deadline (then it fails with 503): a node
   * never admits without the store. Retrying is safe: the store admits a ticket once.
   */
  private void admit(String pool, Ticket ticket, long backoffMs) {
    admitOp(pool, ticket, options.leaseTtlMs()).onComplete(ar -> {
      String ticketId = ticket.ticketId();
      Waiter w = waiters.get(ticketId);
      if (ar.failed() && GatewayException.kindOf(ar.cause()) == ErrorKind.STORE_UNAVAILABLE) {
        if (w != null && System.currentTimeMillis() + backoffMs < ticket.deadline()) {
          log.debug("admission of ticket {} met store trouble, retrying in {} ms: {}", ticketId, backoffMs,
              ar.cause().getMessage());
          vertx.setTimer(backoffMs, id -> {
            if (waiters.containsKey(ticketId)) {
              admit(pool, ticket, Math.min(backoffMs * 2, STORE_RETRY_MAX_MS));
            }
          });
        }
        // else the deadline timer fails the waiter (503)
        return;
      }
      if (w != null) {
        w.admitted().set(true);
      }
      if (ar.failed()) {
        settle(ticketId, null, ar.cause());
      } else if (ar.result() instanceof Admission.Granted g) {
        if (!settle(ticketId, g.lease(), null)) {
          // the waiter gave up (deadline, cancel) while the store granted: hand the slot back
          release(g.lease(), Outcome.NEUTRAL, null);
        }
      } else if (ar.result() instanceof Admission.Rejected r) {
        settle(ticketId, null, rejection(r.reason()));
      } else if (ar.result() instanceof Admission.Queued q) {
        // the waiter stays until a grant, its deadline or a cancel; a rate window frees with time
        wakeAt(pool, q.wakeAt());
      }
    });
  }

  @Override
  public Future<Void> cancel(String pool, String ticketId) {
    Waiter w = waiters.remove(ticketId);
    if (w != null) {
      vertx.cancelTimer(w.timerId());
      w.promise().tryFail(ErrorKind.CANCELLED.exception("request cancelled while queued"));
    }
    return cancelOp(pool, ticketId).compose(missed -> missed == null
        ? Future.succeededFuture()
        : release(missed.lease(), Outcome.NEUTRAL, null));
  }

  @Override
  public Future<Void> release(Lease lease, Outcome outcome, String error, CallMetrics metrics) {
    held.remove(lease.leaseId());
    return releaseOp(lease, outcome, error, metrics, options.leaseTtlMs()).map(drained -> {
      delivered(lease.pool(), drained);
      return null;
    });
  }

  @Override
  public Future<Void> recordProbe(String pool, String instanceId, boolean ok, String error) {
    return probeOp(pool, instanceId, ok, error, options.leaseTtlMs()).map(drained -> {
      delivered(pool, drained);
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    timers.forEach(vertx::cancelTimer);
    timers.clear();
    wakes.values().forEach(w -> vertx.cancelTimer(w.timerId()));
    wakes.clear();
    List<Future<Void>> cancels = new ArrayList<>();
    new HashMap<>(waiters).forEach((ticketId, w) -> cancels.add(cancel(w.pool(), ticketId)));
    return Future.join(cancels).mapEmpty();
  }

  /** Leases this node holds now (renewed, re-asserted after membership changes). */
  protected Map<String, Lease> held() {
    return held;
  }

  /** Test hook: drop grant notices matching the predicate. */
  public void dropGrantNotices(Predicate<Grant> predicate) {
    this.dropNotice = predicate;
  }

  // ------------------------------------------------------------------ grants

  /** Hands out what an operation granted and schedules the drain a rate window asks for. */
  protected void delivered(String pool, Drained drained) {
    deliver(drained.grants());
    wakeAt(pool, drained.wakeAt());
  }

  /**
   * Runs a drain of the pool at {@code at}, when a rate window frees up. A node keeps one such
   * timer per pool, the earliest asked for; every drain reports the next time, so the chain goes
   * on while tickets wait on windows. Any node may run it: whoever drains delivers the grants.
   */
  protected void wakeAt(String pool, long at) {
    if (at == Drained.NEVER) {
      return;
    }
    long now = System.currentTimeMillis();
    wakes.compute(pool, (p, current) -> {
      // a wake long past its time has fired (its removal may have raced this map): replace it
      if (current != null && current.at() <= at && current.at() + STALE_WAKE_MS > now) {
        return current;
      }
      if (current != null) {
        vertx.cancelTimer(current.timerId());
      }
      long delay = Math.max(1, at - now);
      long[] id = new long[1];
      id[0] = vertx.setTimer(delay, t -> woken(p, new Wake(at, id[0])));
      return new Wake(at, id[0]);
    });
  }

  private void woken(String pool, Wake wake) {
    wakes.remove(pool, wake);
    drainOp(pool, options.leaseTtlMs())
        .onSuccess(drained -> delivered(pool, drained))
        .onFailure(e -> {
          if (GatewayException.kindOf(e) == ErrorKind.STORE_UNAVAILABLE) {
            // the windows are still open: try again shortly
            wakeAt(pool, System.currentTimeMillis() + options.claimPollMs());
          } else {
            log.debug("drain of pool {} failed: {}", pool, e.toString());
          }
        });
  }

  /** Hands grants to their waiters: here directly, elsewhere by a notice. */
  protected void deliver(List<Grant> grants) {
    for (Grant g : grants) {
      if (dropNotice.test(g)) {
        log.debug("dropping grant notice for ticket {} (test hook)", g.ticket().ticketId());
      } else if (g.ticket().nodeId().equals(nodeId)) {
        onGrantNotice(g.lease().pool(), g.ticket().ticketId());
      } else {
        notifyRemote(g);
      }
    }
  }

  /** A grant notice for one of this node's tickets: claim it from the store and hand it over. */
  protected void onGrantNotice(String pool, String ticketId) {
    claimOp(pool, ticketId).onSuccess(g -> {
      if (g != null) {
        settleClaimed(g);
      }
    }).onFailure(e -> log.warn("claiming grant of ticket {} failed; the poll retries: {}", ticketId, e.toString()));
  }

  private void settleClaimed(Grant g) {
    if (!settle(g.ticket().ticketId(), g.lease(), null)) {
      // nobody waits for it any more: give the slot back at once
      release(g.lease(), Outcome.NEUTRAL, null);
    }
  }

  /** Completes a waiter exactly once; returns false if there was none to complete. */
  private boolean settle(String ticketId, Lease lease, Throwable failure) {
    Waiter w = waiters.remove(ticketId);
    if (w == null) {
      return false;
    }
    vertx.cancelTimer(w.timerId());
    if (failure != null) {
      return w.promise().tryFail(failure);
    }
    held.put(lease.leaseId(), lease);
    if (!w.promise().tryComplete(lease)) {
      held.remove(lease.leaseId());
      return false;
    }
    return true;
  }

  /**
   * The deadline passed: cancel the ticket, or take the grant that arrived unseen. A ticket the
   * store never admitted, or whose cancel the store could not take, fails as store trouble (503).
   */
  private void onDeadline(String ticketId) {
    Waiter w = waiters.get(ticketId);
    if (w == null) {
      return;
    }
    cancelOp(w.pool(), ticketId).onComplete(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        settleClaimed(ar.result());
      } else if (ar.failed() || !w.admitted().get()) {
        settle(ticketId, null, ErrorKind.STORE_UNAVAILABLE.exception(
            "the cluster store was unavailable until the queue timeout of pool '" + w.pool() + "'"));
      } else {
        settle(ticketId, null, ErrorKind.QUEUE_TIMEOUT.exception(
            "no instance of pool '" + w.pool() + "' had a free slot before the queue timeout"));
      }
    });
  }

  private void pollGrants() {
    if (waiters.isEmpty()) {
      return;
    }
    waiters.values().stream().map(Waiter::pool).distinct().forEach(pool ->
        claimAllOp(pool, nodeId).onSuccess(grants -> grants.forEach(this::settleClaimed)));
  }

  private void renewHeld() {
    if (held.isEmpty()) {
      return;
    }
    long until = System.currentTimeMillis() + options.leaseTtlMs();
    Map<String, List<String>> byPool = new HashMap<>();
    held.values().forEach(l -> byPool.computeIfAbsent(l.pool(), p -> new ArrayList<>()).add(l.leaseId()));
    byPool.forEach((pool, ids) -> renewOp(pool, ids, until)
        .onFailure(e -> log.warn("renewing {} leases in pool {} failed: {}", ids.size(), pool, e.toString())));
  }

  private void sweep() {
    sweepOp(System.currentTimeMillis()).onSuccess(this::deliver)
        .onFailure(e -> log.warn("ledger sweep failed: {}", e.toString()));
  }

  private static GatewayException rejection(Admission.Reason reason) {
    return switch (reason) {
      case QUEUE_FULL -> ErrorKind.QUEUE_FULL.exception("the queue of this pool is full");
      case NO_INSTANCE -> ErrorKind.NO_INSTANCE.exception("no healthy instance can serve this request");
    };
  }
}
