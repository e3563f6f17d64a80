package dev.poolgate.ledger.hazelcast;

import dev.poolgate.cluster.GatewayMembers;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.PoolState;
import dev.poolgate.scheduling.Ticket;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ledger's store operations, one named processor per {@link PoolState} operation. Inputs that
 * vary between runs — the time, the member list — travel in the fields, taken by the caller.
 */
public final class PoolOps {
  private PoolOps() {
  }

  /** Takes a slot or queues the ticket. */
  public static final class Admit extends PoolProcessor<Admission> {
    private static final long serialVersionUID = 1L;
    private final Ticket ticket;
    private final long now;
    private final long leaseTtlMs;
    private final long seed;

    public Admit(Ticket ticket, long now, long leaseTtlMs, long seed) {
      this.ticket = ticket;
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
      this.seed = seed;
    }

    @Override
    protected Admission apply(PoolState state) {
      // Hazelcast may run an invocation again after a member failure, and the ledger retries
      // admissions that timed out: a ticket that already holds a lease gets that lease back
      for (Lease l : state.leasesOf(ticket.nodeId())) {
        if (l.ticketId().equals(ticket.ticketId())) {
          return new Admission.Granted(l);
        }
      }
      return state.acquire(ticket, now, leaseTtlMs, seed);
    }
  }

  /**
   * Lends an idle slot to a ticket queued in a borrowing pool, or queues it here as a guest behind
   * this pool's own tickets. Idempotent per ticket like {@link Admit}.
   */
  public static final class Lend extends PoolProcessor<Admission> {
    private static final long serialVersionUID = 1L;
    private final String borrower;
    private final Ticket ticket;
    private final long now;
    private final long leaseTtlMs;
    private final long seed;

    public Lend(String borrower, Ticket ticket, long now, long leaseTtlMs, long seed) {
      this.borrower = borrower;
      this.ticket = ticket;
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
      this.seed = seed;
    }

    @Override
    protected Admission apply(PoolState state) {
      for (Lease l : state.leasesOf(ticket.nodeId())) {
        if (l.ticketId().equals(ticket.ticketId())) {
          return new Admission.Granted(l);
        }
      }
      return state.lend(borrower, ticket, now, leaseTtlMs, seed);
    }
  }

  /** Drops a queued ticket; answers its grant if it was granted meanwhile. */
  public static final class Cancel extends PoolProcessor<Grant> {
    private static final long serialVersionUID = 1L;
    private final String ticketId;

    public Cancel(String ticketId) {
      this.ticketId = ticketId;
    }

    @Override
    protected Grant apply(PoolState state) {
      return state.cancel(ticketId);
    }
  }

  /** Takes the unclaimed grant of one ticket. */
  public static final class Claim extends PoolProcessor<Grant> {
    private static final long serialVersionUID = 1L;
    private final String ticketId;

    public Claim(String ticketId) {
      this.ticketId = ticketId;
    }

    @Override
    protected Grant apply(PoolState state) {
      return state.claimGrant(ticketId);
    }
  }

  /** Takes every unclaimed grant of one node. */
  public static final class ClaimAll extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private final String nodeId;

    public ClaimAll(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      return state.claimGrants(nodeId);
    }
  }

  /**
   * Gives a slot back (idempotent) and hands it on; what the call measured (time to first byte,
   * tokens) goes into the instance's latency estimate and token window.
   */
  public static final class Release extends PoolProcessor<Drained> {
    private static final long serialVersionUID = 1L;
    private final String instanceId;
    private final String leaseId;
    private final Outcome outcome;
    private final String error;
    private final CallMetrics metrics;
    private final long now;
    private final long leaseTtlMs;

    public Release(Lease lease, Outcome outcome, String error, CallMetrics metrics, long now, long leaseTtlMs) {
      this.instanceId = lease.instanceId();
      this.leaseId = lease.leaseId();
      this.outcome = outcome;
      this.error = error;
      this.metrics = metrics;
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected Drained apply(PoolState state) {
      return new Drained(state.release(instanceId, leaseId, outcome, error, metrics, now, leaseTtlMs),
          state.wakeAt(now));
    }
  }

  /** Grants what rate windows freed with time; reports when to run again. */
  public static final class Drain extends PoolProcessor<Drained> {
    private static final long serialVersionUID = 1L;
    private final long now;
    private final long leaseTtlMs;
    private final long seed;

    public Drain(long now, long leaseTtlMs, long seed) {
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
      this.seed = seed;
    }

    @Override
    protected Drained apply(PoolState state) {
      return state.drain(now, leaseTtlMs, seed);
    }
  }

  /** Feeds a probe result to an instance's health. */
  public static final class Probe extends PoolProcessor<Drained> {
    private static final long serialVersionUID = 1L;
    private final String instanceId;
    private final boolean ok;
    private final String error;
    private final long now;
    private final long leaseTtlMs;

    public Probe(String instanceId, boolean ok, String error, long now, long leaseTtlMs) {
      this.instanceId = instanceId;
      this.ok = ok;
      this.error = error;
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected Drained apply(PoolState state) {
      return new Drained(state.recordProbe(instanceId, ok, error, now, leaseTtlMs), state.wakeAt(now));
    }
  }

  /** Extends the leases a node still holds. */
  public static final class Renew extends PoolProcessor<Void> {
    private static final long serialVersionUID = 1L;
    private final String nodeId;
    private final List<String> leaseIds;
    private final long until;

    public Renew(String nodeId, List<String> leaseIds, long until) {
      this.nodeId = nodeId;
      this.leaseIds = new ArrayList<>(leaseIds);
      this.until = until;
    }

    @Override
    protected Void apply(PoolState state) {
      state.renew(nodeId, leaseIds, until);
      return null;
    }
  }

  /** Reclaims expired leases and drops stale tickets. */
  public static final class Sweep extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private final long now;
    private final long ticketGraceMs;
    private final long leaseTtlMs;

    public Sweep(long now, long ticketGraceMs, long leaseTtlMs) {
      this.now = now;
      this.ticketGraceMs = ticketGraceMs;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      return state.expire(now, ticketGraceMs, leaseTtlMs);
    }
  }

  /** Drops everything of a member that left (idempotent: every survivor runs it). */
  public static final class PurgeNode extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private final String nodeId;
    private final long now;
    private final long leaseTtlMs;

    public PurgeNode(String nodeId, long now, long leaseTtlMs) {
      this.nodeId = nodeId;
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      return state.purgeNode(nodeId, now, leaseTtlMs);
    }
  }

  /**
   * Drops everything of nodes that are not members. A node counts as a member if the caller or the
   * member running this (the entry's owner, at this moment) sees it: a node that joined after the
   * caller looked is never purged by a stale list.
   */
  public static final class RetainNodes extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private final Set<String> members;
    private final long now;
    private final long leaseTtlMs;

    public RetainNodes(Set<String> members, long now, long leaseTtlMs) {
      this.members = new HashSet<>(members);
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      Set<String> keep = new HashSet<>(members);
      HazelcastInstance hz = hazelcast();
      if (hz != null) {
        keep.addAll(GatewayMembers.nodeIds(hz.getCluster()));
      }
      return state.retainNodes(keep, now, leaseTtlMs);
    }
  }

  /**
   * Re-records a node's live leases the entry lost. Carries the pool's spec so that an entry lost
   * altogether (owner and backup died together) is rebuilt around the leases still in flight.
   */
  public static final class Reassert extends PoolProcessor<Integer> {
    private static final long serialVersionUID = 1L;
    private final PoolSpec spec;
    private final List<Lease> leases;

    public Reassert(PoolSpec spec, List<Lease> leases) {
      this.spec = spec;
      this.leases = new ArrayList<>(leases);
    }

    @Override
    protected PoolState create() {
      return new PoolState(spec);
    }

    @Override
    protected Integer apply(PoolState state) {
      return state.reassert(leases);
    }
  }

  /** Creates the pool, or applies a new spec to it; leases in flight are kept. */
  public static final class Configure extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private final PoolSpec spec;
    private final long now;

    public Configure(PoolSpec spec, long now) {
      this.spec = spec;
      this.now = now;
    }

    @Override
    protected PoolState create() {
      return new PoolState(spec);
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      return state.reconfigure(spec, now);
    }
  }

  /** Reads a pool's snapshot; read-only, so it takes no lock and makes no backup. */
  public static final class Snapshot implements EntryProcessor<String, PoolState, Object>, ReadOnly {
    private static final long serialVersionUID = 1L;
    private final long now;

    public Snapshot(long now) {
      this.now = now;
    }

    @Override
    public Object process(java.util.Map.Entry<String, PoolState> entry) {
      PoolState state = entry.getValue();
      return state == null ? PoolProcessor.Missing.POOL : state.snapshot(now);
    }

    @Override
    public EntryProcessor<String, PoolState, Object> getBackupProcessor() {
      return null;
    }
  }
}
