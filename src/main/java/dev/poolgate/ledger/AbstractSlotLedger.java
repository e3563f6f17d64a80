package dev.poolgate.ledger;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.AllotmentAnswer;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.Ticket;
import dev.poolgate.timing.LoopDeadlines;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>Borrowing: a ticket queued in a pool that others lend to also waits in each lender as a
 * guest ({@link #borrow}). It is then in several queues at once; the first grant to reach its
 * waiter wins and the ticket is withdrawn from the other queues, and a grant that raced the
 * withdrawal is taken out by it (or claimed with no waiter left) and released. So a borrowed slot
 * is granted, delivered, claimed and released by the same machinery as any other, always in the
 * pool whose lease it is.
 */
public abstract class AbstractSlotLedger implements SlotLedger {
  private static final Logger log = LoggerFactory.getLogger(AbstractSlotLedger.class);

  protected final Vertx vertx;
  protected final LedgerOptions options;
  private final String nodeId;
  private final Map<String, Waiter> waiters = new ConcurrentHashMap<>();
  private final Map<String, Lease> held = new ConcurrentHashMap<>();
  /** Held leases the last renewal found without a live request; released if the next one does too. */
  private final Set<String> unowned = ConcurrentHashMap.newKeySet();
  private volatile LeaseOwners owners = LeaseOwners.ANY;
  private final List<Long> timers = new ArrayList<>();
  /** Per pool, the one drain this node has scheduled for when a rate window frees up. */
  private final Map<String, Wake> wakes = new ConcurrentHashMap<>();
  /** Every configured pool's {@code lend_to}, in config order. */
  private final Map<String, List<String>> lendTo = new LinkedHashMap<>();
  /** Per pool, the pools that lend to it; rebuilt from {@link #lendTo} on each configure. */
  private volatile Map<String, List<String>> lenders = Map.of();
  /** This node's allotted units (the fast path of a pool that is not full); null when off. */
  private final NodeAllotments allotments;
  /** Leases running on allotted units, by lease id: released here, never in the store. */
  private final Map<String, Lease> unitLeases = new ConcurrentHashMap<>();
  /** Told of leases this node held that the store no longer records: their requests must end. */
  /** Told of leases this node lost; by default their requests are aborted through {@link #owners}. */
  private volatile LeaseLossListener leasesLost = this::abortOwners;
  /** Unit leases found without a live request at the last renewal: released at the next one if still so. */
  private final Set<String> unownedUnits = ConcurrentHashMap.newKeySet();
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
  private record Waiter(String pool, Ticket ticket, Promise<Lease> promise, LoopDeadlines.Deadline deadline,
                        AtomicBoolean admitted,
                        Set<String> lentIn) {

    /** Every pool the ticket may wait in: its own, then the lenders it asked. */
    List<String> pools() {
      List<String> all = new ArrayList<>(1 + lentIn.size());
      all.add(pool);
      all.addAll(lentIn);
      return all;
    }
  }

  /** A drain scheduled at {@code at} (epoch millis) by timer {@code timerId}. */
  private record Wake(long at, long timerId) {}

  /** Leases on allotted units carry this prefix (store lease ids start with a ticket's UUID). */
  static final String UNIT_LEASE_PREFIX = "unit:";

  /**
   * @param allotting whether this ledger hands out allotted units (worth it only where a store
   *                  operation is costly: the clustered ledger)
   */
  protected AbstractSlotLedger(Vertx vertx, String nodeId, LedgerOptions options, boolean allotting) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.options = options;
    this.allotments = allotting && options.allotMinCap() > 0 ? new NodeAllotments(nodeId, options.allotMinCap()) : null;
  }

  /** Starts the renewal, sweep, claim-poll and allotment-sync timers. */
  protected void startTimers() {
    timers.add(vertx.setPeriodic(options.renewEveryMs(), id -> renewHeld()));
    timers.add(vertx.setPeriodic(options.sweepEveryMs(), id -> sweep()));
    timers.add(vertx.setPeriodic(options.claimPollMs(), id -> pollGrants()));
    if (allotments != null) {
      timers.add(vertx.setPeriodic(options.allotSyncMs(), id -> allotments.pools().stream()
          .filter(allotments::wantsSync)
          .forEach(pool -> syncUnits(pool, false))));
    }
  }

  @Override
  public void onLeasesLost(LeaseLossListener listener) {
    this.leasesLost = listener;
  }

  /** Tells the lost-leases listener (on any thread): their requests must end now. */
  protected final void leasesLost(Set<String> leaseIds) {
    if (!leaseIds.isEmpty()) {
      leasesLost.leasesLost(leaseIds);
    }
  }

  private void abortOwners(Set<String> leaseIds) {
    leaseIds.forEach(id -> owners.abort(id, "this node lost its slot to the cluster (it stood still or was cut off"
        + " longer than the failure-detection time); the upstream call was reset"));
  }

  /**
   * Whether this node may start requests on its allotted units now; a clustered node that stood
   * still or lost the quorum may not (its units may have been purged by the others).
   */
  protected boolean admitsLocally() {
    return true;
  }

  /**
   * Gives up every allotted unit at once (the node stood still or lost the quorum, so the others
   * may have purged them) and ends the requests on them. A new book starts afresh; the store
   * drops what the old one held at the next sync, or already purged it.
   */
  protected void loseAllUnits(String why) {
    if (allotments == null || unitLeases.isEmpty() && allotments.pools().isEmpty()) {
      return;
    }
    allotments.reset();
    Set<String> lost = new java.util.HashSet<>(unitLeases.keySet());
    unitLeases.clear();
    if (!lost.isEmpty()) {
      log.warn("giving up {} requests on allotted slots, their upstream calls are reset: {}", lost.size(), why);
      leasesLost.leasesLost(lost);
    }
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

  /**
   * Asks a lending pool for an idle slot for a ticket queued in {@code borrower}: granted at once,
   * queued there as a guest (behind the lender's own tickets), or rejected.
   */
  protected abstract Future<Admission> lendOp(String lender, String borrower, Ticket ticket, long leaseTtlMs);

  /** Grants what rate windows have freed since the last operation on the pool. */
  protected abstract Future<Drained> drainOp(String pool, long leaseTtlMs);

  /** Renews leases; answers the ids among them the store no longer records. */
  protected abstract Future<List<String>> renewOp(String pool, List<String> leaseIds, long until);

  /** Syncs this node's allotted units of a pool (only ledgers that allot implement it). */
  protected Future<AllotmentAnswer> syncOp(String pool, AllotmentSync sync, long leaseTtlMs) {
    return Future.failedFuture(new IllegalStateException("this ledger does not allot units"));
  }

  /** Tells every node that tickets queue in a pool where nodes hold allotted units. */
  protected void recall(String pool) {
  }

  /** A recall notice for a pool: stop using its units and give the idle ones back. */
  protected void recalled(String pool) {
    if (allotments != null) {
      allotments.contended(pool);
      syncUnits(pool, false);
    }
  }

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
    if (allotments != null && admitsLocally()) {
      String instance = allotments.take(req.pool(), req.excluded());
      if (instance != null) {
        Lease lease = new Lease(UNIT_LEASE_PREFIX + req.ticketId(), req.pool(), instance, nodeId, req.ticketId(),
            System.currentTimeMillis() + options.leaseTtlMs());
        unitLeases.put(lease.leaseId(), lease);
        return Future.succeededFuture(lease);
      }
      if (allotments.miss(req.pool())) {
        syncUnits(req.pool(), false);
      }
    }
    Promise<Lease> promise = Promise.promise();
    long wait = Math.max(1, req.deadline() - System.currentTimeMillis());
    // registered before the store is asked, so a grant notice racing the answer finds its waiter
    // on the asking desk's loop wheel: set for every request, it almost never fires
    LoopDeadlines.Deadline timer = LoopDeadlines.after(vertx.getOrCreateContext(), wait,
        () -> onDeadline(req.ticketId()));
    Ticket ticket = new Ticket(req.ticketId(), nodeId, req.priority(), 0, req.deadline(), req.excluded());
    waiters.put(req.ticketId(), new Waiter(req.pool(), ticket, promise, timer, new AtomicBoolean(),
        ConcurrentHashMap.newKeySet()));
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
        if (q.recall()) {
          recall(pool);
        }
        borrow(pool, ticket);
      }
    });
  }

  /**
   * The store lost the pool's state and rebuilt it empty: this node's tickets that were queued
   * there are admitted again (by priority, then in the order this node re-admits them), so a
   * request still waiting is served rather than left to time out. Admission is idempotent per
   * ticket, so a ticket the store still knows is not queued twice.
   */
  protected void readmitWaiting(String pool) {
    waiters.values().stream()
        .filter(w -> w.pool().equals(pool) && w.admitted().get() && !w.promise().future().isComplete())
        .map(Waiter::ticket)
        .forEach(ticket -> admit(pool, ticket, STORE_RETRY_MIN_MS));
  }

  // ------------------------------------------------------------------ borrowing

  /** Records which pools lend to which; the ledgers call it on every configure. */
  protected void learnLending(List<PoolSpec> specs) {
    Map<String, List<String>> byBorrower = new HashMap<>();
    synchronized (lendTo) {
      specs.forEach(s -> lendTo.put(s.name(), s.lendTo()));
      lendTo.forEach((lender, borrowers) -> borrowers.forEach(b ->
          byBorrower.computeIfAbsent(b, k -> new ArrayList<>()).add(lender)));
    }
    byBorrower.replaceAll((b, list) -> List.copyOf(list));
    lenders = Map.copyOf(byBorrower);
  }

  /** The pools that lend their idle slots to this one, in config order. */
  protected List<String> lendersOf(String pool) {
    return lenders.getOrDefault(pool, List.of());
  }

  /**
   * A ticket that had to queue in its pool asks every pool lending to it for an idle slot. The
   * lender is recorded in the waiter before it is asked, so from then on any settlement of the
   * ticket withdraws it from there too.
   */
  private void borrow(String pool, Ticket ticket) {
    for (String lender : lendersOf(pool)) {
      Waiter w = waiters.get(ticket.ticketId());
      if (w == null) {
        return;
      }
      w.lentIn().add(lender);
      lendOp(lender, pool, ticket, options.leaseTtlMs()).onComplete(ar -> lent(lender, ticket.ticketId(), ar));
    }
  }

  private void lent(String lender, String ticketId, AsyncResult<Admission> ar) {
    if (ar.failed()) {
      // it still waits in its own pool; a guest left behind is withdrawn with the ticket or swept
      log.debug("asking pool {} to lend a slot to ticket {} failed: {}", lender, ticketId, ar.cause().toString());
    } else if (ar.result() instanceof Admission.Granted g) {
      if (!settle(ticketId, g.lease(), null)) {
        release(g.lease(), Outcome.NEUTRAL, null);
      }
    } else if (ar.result() instanceof Admission.Queued q) {
      if (waiters.containsKey(ticketId)) {
        wakeAt(lender, q.wakeAt());
      } else {
        // settled meanwhile: its withdrawal may have reached the lender before the guest did
        withdraw(lender, ticketId);
      }
    }
  }

  /**
   * After a ticket that waited in several pools was settled: takes it out of the others, and
   * releases a grant one of them made meanwhile. A ticket that never borrowed waits nowhere else.
   */
  private void withdrawElsewhere(Waiter w, String ticketId, String grantedBy) {
    if (w.lentIn().isEmpty()) {
      return;
    }
    for (String pool : new LinkedHashSet<>(w.pools())) {
      if (!pool.equals(grantedBy)) {
        withdraw(pool, ticketId);
      }
    }
  }

  private Future<Void> withdraw(String pool, String ticketId) {
    return cancelOp(pool, ticketId)
        .compose(missed -> missed == null ? Future.succeededFuture() : release(missed.lease(), Outcome.NEUTRAL, null))
        .onFailure(e -> log.debug("withdrawing ticket {} from pool {} failed (the sweep drops it): {}", ticketId,
            pool, e.toString()));
  }

  @Override
  public Future<Void> cancel(String pool, String ticketId) {
    Waiter w = waiters.remove(ticketId);
    if (w != null) {
      w.deadline().cancel();
      w.promise().tryFail(ErrorKind.CANCELLED.exception("request cancelled while queued"));
    }
    Future<Void> home = cancelOp(pool, ticketId).compose(missed -> missed == null
        ? Future.succeededFuture()
        : release(missed.lease(), Outcome.NEUTRAL, null));
    if (w == null || w.lentIn().isEmpty()) {
      return home;
    }
    List<Future<Void>> all = new ArrayList<>(List.of(home));
    w.lentIn().forEach(lender -> all.add(withdraw(lender, ticketId)));
    return Future.join(all).mapEmpty();
  }

  @Override
  public Future<Void> release(Lease lease, Outcome outcome, String error, CallMetrics metrics) {
    if (lease.leaseId().startsWith(UNIT_LEASE_PREFIX)) {
      // a unit lost meanwhile was already ended: nothing of it is left to give back
      if (unitLeases.remove(lease.leaseId()) != null
          && allotments.give(lease.pool(), lease.instanceId(), outcome, error, metrics.ttfbMs())) {
        syncUnits(lease.pool(), false);
      }
      return Future.succeededFuture();
    }
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
    Future<Void> units = allotments == null ? Future.succeededFuture()
        : Future.join(allotments.pools().stream().map(pool -> syncUnits(pool, true)).toList()).mapEmpty();
    return units.transform(ar -> closeWaiting());
  }

  private Future<Void> closeWaiting() {
    timers.forEach(vertx::cancelTimer);
    timers.clear();
    wakes.values().forEach(w -> vertx.cancelTimer(w.timerId()));
    wakes.clear();
    List<Future<Void>> cancels = new ArrayList<>();
    new HashMap<>(waiters).forEach((ticketId, w) -> cancels.add(cancel(w.pool(), ticketId)));
    return Future.join(cancels).mapEmpty();
  }

  @Override
  public void owners(LeaseOwners owners) {
    this.owners = owners;
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
    w.deadline().cancel();
    withdrawElsewhere(w, ticketId, lease == null ? null : lease.pool());
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
    if (!w.lentIn().isEmpty()) {
      borrowerDeadline(w, ticketId);
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

  /**
   * The deadline of a ticket that also waits in lending pools: it is taken out of all of them; a
   * grant one of them made unseen is used, any other is released.
   */
  private void borrowerDeadline(Waiter w, String ticketId) {
    List<String> pools = List.copyOf(new LinkedHashSet<>(w.pools()));
    List<Future<Grant>> takes = pools.stream().map(p -> cancelOp(p, ticketId)).toList();
    Future.join(takes).onComplete(ignored -> {
      List<Grant> missed = takes.stream().filter(Future::succeeded).map(Future::result)
          .filter(java.util.Objects::nonNull).toList();
      if (!missed.isEmpty()) {
        settleClaimed(missed.get(0));
        missed.subList(1, missed.size()).forEach(g -> release(g.lease(), Outcome.NEUTRAL, null));
      } else if (takes.get(0).failed() || !w.admitted().get()) {
        settle(ticketId, null, ErrorKind.STORE_UNAVAILABLE.exception(
            "the cluster store was unavailable until the queue timeout of pool '" + w.pool() + "'"));
      } else {
        settle(ticketId, null, ErrorKind.QUEUE_TIMEOUT.exception(
            "no instance of pool '" + w.pool() + "' or of the pools lending to it had a free slot before the queue"
                + " timeout"));
      }
    });
  }

  private void pollGrants() {
    if (waiters.isEmpty()) {
      return;
    }
    waiters.values().stream().flatMap(w -> w.pools().stream()).distinct().forEach(pool ->
        claimAllOp(pool, nodeId).onSuccess(grants -> grants.forEach(this::settleClaimed)));
  }

  /**
   * Renews the leases whose request is alive. A held lease without a live request is renewed once
   * more (its grant may be on its way to the request) and, still without one at the next renewal,
   * released as an orphan: logged and counted, so a request that ended without releasing its slot
   * costs one renewal period, not the slot for good.
   */
  private void renewHeld() {
    releaseOrphanedUnits();
    if (held.isEmpty()) {
      unowned.clear();
      return;
    }
    long until = System.currentTimeMillis() + options.leaseTtlMs();
    Map<String, List<String>> byPool = new HashMap<>();
    Set<String> suspects = new HashSet<>();
    List<Lease> orphans = new ArrayList<>();
    for (Lease l : held.values()) {
      if (owners.alive(l.leaseId())) {
        byPool.computeIfAbsent(l.pool(), p -> new ArrayList<>()).add(l.leaseId());
      } else if (unowned.contains(l.leaseId())) {
        orphans.add(l);
      } else {
        suspects.add(l.leaseId());
        byPool.computeIfAbsent(l.pool(), p -> new ArrayList<>()).add(l.leaseId());
      }
    }
    unowned.retainAll(suspects);
    unowned.addAll(suspects);
    for (Lease orphan : orphans) {
      log.warn("lease {} of instance {} (pool {}) is held without a live request: released", orphan.leaseId(),
          orphan.instanceId(), orphan.pool());
      owners.orphaned(orphan);
      release(orphan, Outcome.NEUTRAL, "released by the renewal sweep: no live request held it")
          .onFailure(e -> log.warn("releasing orphaned lease {} failed (its expiry reclaims it): {}",
              orphan.leaseId(), e.toString()));
    }
    byPool.forEach((pool, ids) -> renewOp(pool, ids, until)
        .onSuccess(this::leaseIdsLost)
        .onFailure(e -> log.warn("renewing {} leases in pool {} failed: {}", ids.size(), pool, e.toString())));
  }

  /**
   * Units held by no live request (its request ended without giving it back) go back to the book
   * at the second renewal that finds them so, counted as orphans like leases.
   */
  private void releaseOrphanedUnits() {
    if (unitLeases.isEmpty()) {
      unownedUnits.clear();
      return;
    }
    Set<String> suspects = new HashSet<>();
    for (Lease l : List.copyOf(unitLeases.values())) {
      if (owners.alive(l.leaseId())) {
        continue;
      }
      if (unownedUnits.contains(l.leaseId())) {
        log.warn("allotted slot {} of instance {} (pool {}) is held without a live request: released", l.leaseId(),
            l.instanceId(), l.pool());
        owners.orphaned(l);
        release(l, Outcome.NEUTRAL, null);
      } else {
        suspects.add(l.leaseId());
      }
    }
    unownedUnits.retainAll(suspects);
    unownedUnits.addAll(suspects);
  }

  /** Leases the store no longer records (purged or expired) that this node still holds. */
  private void leaseIdsLost(List<String> missing) {
    Set<String> lost = new java.util.HashSet<>();
    for (String id : missing) {
      if (held.remove(id) != null) {
        lost.add(id);
      }
    }
    if (!lost.isEmpty()) {
      log.warn("{} leases this node holds are gone from the store (purged while it was unreachable, or expired):"
          + " ending their requests", lost.size());
      leasesLost.leasesLost(lost);
    }
  }

  /**
   * Renews every lease this node holds now, at once: after a stall (a long pause of this process)
   * the leases may have been purged and their slots handed on, so their requests must end quickly.
   */
  protected void verifyHeldNow() {
    renewHeld();
    if (allotments != null) {
      allotments.pools().forEach(pool -> syncUnits(pool, false));
    }
  }

  // ------------------------------------------------------------------ allotments

  /**
   * Syncs this node's units of a pool with the store (see {@link NodeAllotments}); at most one
   * sync per pool is under way, and one asked for meanwhile follows its answer.
   */
  private Future<Void> syncUnits(String pool, boolean closing) {
    AllotmentSync sync = allotments.beginSync(pool, closing);
    if (sync == null) {
      return Future.succeededFuture();
    }
    return syncOp(pool, sync, options.leaseTtlMs()).transform(ar -> {
      if (ar.failed()) {
        allotments.failed(pool, sync);
        log.debug("allotment sync of pool {} failed: {}", pool, ar.cause().toString());
        return Future.succeededFuture();
      }
      AllotmentAnswer answer = ar.result();
      NodeAllotments.Applied applied = allotments.apply(pool, answer);
      if (!applied.lostInstances().isEmpty()) {
        unitsLost(pool, applied.lostInstances());
      }
      delivered(pool, answer.drained());
      return applied.resyncNow() ? syncUnits(pool, closing) : Future.succeededFuture();
    });
  }

  private void unitsLost(String pool, List<String> instances) {
    Set<String> lost = new java.util.HashSet<>();
    unitLeases.values().removeIf(l -> {
      boolean gone = l.pool().equals(pool) && instances.contains(l.instanceId());
      if (gone) {
        lost.add(l.leaseId());
      }
      return gone;
    });
    if (!lost.isEmpty()) {
      log.warn("{} allotted slots of pool {} are gone from the store (purged while this node was unreachable):"
          + " ending their requests", lost.size(), pool);
      leasesLost.leasesLost(lost);
    }
  }

  /** Units held and in use per pool (tests, logs). */
  public Map<String, int[]> allotmentView() {
    return allotments == null ? Map.of() : allotments.view();
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
