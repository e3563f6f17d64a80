package dev.poolgate.ledger.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.AllotmentAnswer;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.PoolState;
import dev.poolgate.scheduling.Ticket;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ledger's store operations, one named processor per {@link PoolState} operation. Inputs that
 * vary between runs — the time, random seeds, the member list — travel in the fields, fixed by the
 * caller or by the owner's run, so the backup replays each operation to the same state.
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
      Lease held = state.leaseOfTicket(ticket.ticketId());
      if (held != null) {
        return new Admission.Granted(held);
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
      Lease held = state.leaseOfTicket(ticket.ticketId());
      if (held != null) {
        return new Admission.Granted(held);
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

  /** Extends the leases a node still holds; answers the ids the pool no longer records. */
  public static final class Renew extends PoolProcessor<List<String>> {
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
    protected List<String> apply(PoolState state) {
      return state.renew(nodeId, leaseIds, until);
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
    /** The members as the owner saw them when it ran: its backup replays with exactly these. */
    private TreeSet<String> kept;

    public RetainNodes(Set<String> members, long now, long leaseTtlMs) {
      this.members = new TreeSet<>(members);
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      if (!replaying()) {
        kept = new TreeSet<>(members);
        HazelcastInstance hz = hazelcast();
        if (hz != null) {
          for (Member m : hz.getCluster().getMembers()) {
            kept.add(m.getUuid().toString());
          }
        }
      }
      return state.retainNodes(kept, now, leaseTtlMs);
    }
  }

  /**
   * A node's allotment sync ({@link AllotmentSync}): outcomes of the requests it served on its
   * units, units it gives back, units it would like more of.
   */
  public static final class Sync extends PoolProcessor<AllotmentAnswer> {
    private static final long serialVersionUID = 1L;
    private final AllotmentSync sync;
    private final long now;
    private final long leaseTtlMs;
    private final long seed;

    public Sync(AllotmentSync sync, long now, long leaseTtlMs, long seed) {
      this.sync = sync;
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
      this.seed = seed;
    }

    @Override
    protected AllotmentAnswer apply(PoolState state) {
      return state.sync(sync, now, leaseTtlMs, seed);
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
