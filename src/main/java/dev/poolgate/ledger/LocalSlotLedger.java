package dev.poolgate.ledger;

import dev.poolgate.ErrorKind;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSnapshot;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.PoolState;
import dev.poolgate.scheduling.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/** The ledger of a standalone node: every pool's state in memory, changed under one lock. */
public final class LocalSlotLedger extends AbstractSlotLedger {
  public static final String NODE_ID = "local";

  private final Map<String, PoolState> pools = new LinkedHashMap<>();

  public LocalSlotLedger(Vertx vertx, LedgerOptions options) {
    // one node has no store round trip to save: no allotments
    super(vertx, NODE_ID, options, false);
    startTimers();
  }

  @Override
  public Future<Void> configure(List<PoolSpec> specs) {
    learnLending(specs);
    List<Grant> grants = new ArrayList<>();
    synchronized (this) {
      long now = System.currentTimeMillis();
      for (PoolSpec spec : specs) {
        PoolState state = pools.get(spec.name());
        if (state == null) {
          pools.put(spec.name(), new PoolState(spec));
        } else {
          grants.addAll(state.reconfigure(spec, now));
        }
      }
    }
    deliver(grants);
    return Future.succeededFuture();
  }

  @Override
  public Future<List<PoolSnapshot>> snapshot() {
    synchronized (this) {
      long now = System.currentTimeMillis();
      return Future.succeededFuture(pools.values().stream().map(p -> p.snapshot(now)).toList());
    }
  }

  @Override
  protected Future<Admission> admitOp(String pool, Ticket ticket, long leaseTtlMs) {
    return on(pool, p -> p.acquire(ticket, System.currentTimeMillis(), leaseTtlMs, ThreadLocalRandom.current().nextLong()));
  }

  @Override
  protected Future<Admission> lendOp(String lender, String borrower, Ticket ticket, long leaseTtlMs) {
    return on(lender, p -> p.lend(borrower, ticket, System.currentTimeMillis(), leaseTtlMs,
        ThreadLocalRandom.current().nextLong()));
  }

  @Override
  protected Future<Grant> cancelOp(String pool, String ticketId) {
    return on(pool, p -> p.cancel(ticketId));
  }

  @Override
  protected Future<Grant> claimOp(String pool, String ticketId) {
    return on(pool, p -> p.claimGrant(ticketId));
  }

  @Override
  protected Future<List<Grant>> claimAllOp(String pool, String nodeId) {
    return on(pool, p -> p.claimGrants(nodeId));
  }

  @Override
  protected Future<Drained> releaseOp(Lease lease, Outcome outcome, String error, CallMetrics metrics,
                                      long leaseTtlMs) {
    long now = System.currentTimeMillis();
    return on(lease.pool(), p -> new Drained(p.release(lease.instanceId(), lease.leaseId(), outcome, error, metrics,
        now, leaseTtlMs), p.wakeAt(now)));
  }

  @Override
  protected Future<Drained> probeOp(String pool, String instanceId, boolean ok, String error, long leaseTtlMs) {
    long now = System.currentTimeMillis();
    return on(pool, p -> new Drained(p.recordProbe(instanceId, ok, error, now, leaseTtlMs), p.wakeAt(now)));
  }

  @Override
  protected Future<Drained> drainOp(String pool, long leaseTtlMs) {
    return on(pool, p -> p.drain(System.currentTimeMillis(), leaseTtlMs, ThreadLocalRandom.current().nextLong()));
  }

  @Override
  protected Future<List<String>> renewOp(String pool, List<String> leaseIds, long until) {
    return on(pool, p -> p.renew(nodeId(), leaseIds, until));
  }

  @Override
  protected Future<List<Grant>> sweepOp(long now) {
    List<Grant> grants = new ArrayList<>();
    synchronized (this) {
      pools.values().forEach(p -> grants.addAll(p.expire(now, options.ticketGraceMs(), options.leaseTtlMs())));
    }
    return Future.succeededFuture(grants);
  }

  @Override
  protected void notifyRemote(Grant grant) {
    // one node: every ticket is ours, so there is nobody else to tell
    onGrantNotice(grant.lease().pool(), grant.ticket().ticketId());
  }

  private <T> Future<T> on(String pool, Function<PoolState, T> op) {
    T result;
    synchronized (this) {
      PoolState state = pools.get(pool);
      if (state == null) {
        return Future.failedFuture(ErrorKind.MODEL_NOT_FOUND.exception("unknown pool '" + pool + "'"));
      }
      result = op.apply(state);
    }
    return Future.succeededFuture(result);
  }
}
