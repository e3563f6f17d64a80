package dev.poolgate.ledger.hazelcast;

import dev.poolgate.cluster.GatewayMembers;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
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

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.poolgate.ledger.hazelcast.LedgerWire.readLease;
import static dev.poolgate.ledger.hazelcast.LedgerWire.readLeases;
import static dev.poolgate.ledger.hazelcast.LedgerWire.readMetrics;
import static dev.poolgate.ledger.hazelcast.LedgerWire.readStrings;
import static dev.poolgate.ledger.hazelcast.LedgerWire.readSync;
import static dev.poolgate.ledger.hazelcast.LedgerWire.readTicket;
import static dev.poolgate.ledger.hazelcast.LedgerWire.writeLease;
import static dev.poolgate.ledger.hazelcast.LedgerWire.writeLeases;
import static dev.poolgate.ledger.hazelcast.LedgerWire.writeMetrics;
import static dev.poolgate.ledger.hazelcast.LedgerWire.writeStrings;
import static dev.poolgate.ledger.hazelcast.LedgerWire.writeSync;
import static dev.poolgate.ledger.hazelcast.LedgerWire.writeTicket;

/**
 * The ledger's store operations, one named processor per {@link PoolState} operation. Inputs that
 * vary between runs — the time, random seeds, the member list — travel in the fields, fixed by the
 * caller or by the owner's run, so the backup replays each operation to the same state. Each
 * writes and reads its own fields ({@link LedgerWire}); the no-argument constructors are for
 * reading.
 */
public final class PoolOps {
  private PoolOps() {
  }

  /** Takes a slot or queues the ticket. */
  public static final class Admit extends PoolProcessor<Admission> {
    private static final long serialVersionUID = 1L;
    private Ticket ticket;
    private long now;
    private long leaseTtlMs;
    private long seed;

    Admit() {
    }

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

    @Override
    public int getClassId() {
      return LedgerWire.ADMIT;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      writeTicket(out, ticket);
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
      out.writeLong(seed);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      ticket = readTicket(in);
      now = in.readLong();
      leaseTtlMs = in.readLong();
      seed = in.readLong();
    }
  }

  /**
   * Lends an idle slot to a ticket queued in a borrowing pool, or queues it here as a guest behind
   * this pool's own tickets. Idempotent per ticket like {@link Admit}.
   */
  public static final class Lend extends PoolProcessor<Admission> {
    private static final long serialVersionUID = 1L;
    private String borrower;
    private Ticket ticket;
    private long now;
    private long leaseTtlMs;
    private long seed;

    Lend() {
    }

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

    @Override
    public int getClassId() {
      return LedgerWire.LEND;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeString(borrower);
      writeTicket(out, ticket);
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
      out.writeLong(seed);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      borrower = in.readString();
      ticket = readTicket(in);
      now = in.readLong();
      leaseTtlMs = in.readLong();
      seed = in.readLong();
    }
  }

  /** An operation whose only input is one id (a ticket's or a node's). */
  private abstract static class ById<R> extends PoolProcessor<R> {
    private static final long serialVersionUID = 1L;
    protected String id;

    ById() {
    }

    ById(String id) {
      this.id = id;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeString(id);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      id = in.readString();
    }
  }

  /** Drops a queued ticket; answers its grant if it was granted meanwhile. */
  public static final class Cancel extends ById<Grant> {
    private static final long serialVersionUID = 1L;

    Cancel() {
    }

    public Cancel(String ticketId) {
      super(ticketId);
    }

    @Override
    protected Grant apply(PoolState state) {
      return state.cancel(id);
    }

    @Override
    public int getClassId() {
      return LedgerWire.CANCEL;
    }
  }

  /** Takes the unclaimed grant of one ticket. */
  public static final class Claim extends ById<Grant> {
    private static final long serialVersionUID = 1L;

    Claim() {
    }

    public Claim(String ticketId) {
      super(ticketId);
    }

    @Override
    protected Grant apply(PoolState state) {
      return state.claimGrant(id);
    }

    @Override
    public int getClassId() {
      return LedgerWire.CLAIM;
    }
  }

  /** Takes every unclaimed grant of one node. */
  public static final class ClaimAll extends ById<List<Grant>> {
    private static final long serialVersionUID = 1L;

    ClaimAll() {
    }

    public ClaimAll(String nodeId) {
      super(nodeId);
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      return state.claimGrants(id);
    }

    @Override
    public int getClassId() {
      return LedgerWire.CLAIM_ALL;
    }
  }

  /**
   * Gives a slot back (idempotent) and hands it on; what the call measured (time to first byte,
   * tokens) goes into the instance's latency estimate and token window.
   */
  public static final class Release extends PoolProcessor<Drained> {
    private static final long serialVersionUID = 1L;
    private String instanceId;
    private String leaseId;
    private Outcome outcome;
    private String error;
    private CallMetrics metrics;
    private long now;
    private long leaseTtlMs;

    Release() {
    }

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

    @Override
    public int getClassId() {
      return LedgerWire.RELEASE;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeString(instanceId);
      out.writeString(leaseId);
      out.writeString(outcome.name());
      out.writeString(error);
      writeMetrics(out, metrics);
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      instanceId = in.readString();
      leaseId = in.readString();
      outcome = Outcome.valueOf(in.readString());
      error = in.readString();
      metrics = readMetrics(in);
      now = in.readLong();
      leaseTtlMs = in.readLong();
    }
  }

  /** Grants what rate windows freed with time; reports when to run again. */
  public static final class Drain extends PoolProcessor<Drained> {
    private static final long serialVersionUID = 1L;
    private long now;
    private long leaseTtlMs;
    private long seed;

    Drain() {
    }

    public Drain(long now, long leaseTtlMs, long seed) {
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
      this.seed = seed;
    }

    @Override
    protected Drained apply(PoolState state) {
      return state.drain(now, leaseTtlMs, seed);
    }

    @Override
    public int getClassId() {
      return LedgerWire.DRAIN;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
      out.writeLong(seed);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      now = in.readLong();
      leaseTtlMs = in.readLong();
      seed = in.readLong();
    }
  }

  /** Feeds a probe result to an instance's health. */
  public static final class Probe extends PoolProcessor<Drained> {
    private static final long serialVersionUID = 1L;
    private String instanceId;
    private boolean ok;
    private String error;
    private long now;
    private long leaseTtlMs;

    Probe() {
    }

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

    @Override
    public int getClassId() {
      return LedgerWire.PROBE;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeString(instanceId);
      out.writeBoolean(ok);
      out.writeString(error);
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      instanceId = in.readString();
      ok = in.readBoolean();
      error = in.readString();
      now = in.readLong();
      leaseTtlMs = in.readLong();
    }
  }

  /** Extends the leases a node still holds; answers the ids the pool no longer records. */
  public static final class Renew extends PoolProcessor<List<String>> {
    private static final long serialVersionUID = 1L;
    private String nodeId;
    private List<String> leaseIds;
    private long until;

    Renew() {
    }

    public Renew(String nodeId, List<String> leaseIds, long until) {
      this.nodeId = nodeId;
      this.leaseIds = List.copyOf(leaseIds);
      this.until = until;
    }

    @Override
    protected List<String> apply(PoolState state) {
      return state.renew(nodeId, leaseIds, until);
    }

    @Override
    public int getClassId() {
      return LedgerWire.RENEW;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeString(nodeId);
      writeStrings(out, leaseIds);
      out.writeLong(until);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      nodeId = in.readString();
      leaseIds = readStrings(in);
      until = in.readLong();
    }
  }

  /** Reclaims expired leases and drops stale tickets. */
  public static final class Sweep extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private long now;
    private long ticketGraceMs;
    private long leaseTtlMs;

    Sweep() {
    }

    public Sweep(long now, long ticketGraceMs, long leaseTtlMs) {
      this.now = now;
      this.ticketGraceMs = ticketGraceMs;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      return state.expire(now, ticketGraceMs, leaseTtlMs);
    }

    @Override
    public int getClassId() {
      return LedgerWire.SWEEP;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeLong(now);
      out.writeLong(ticketGraceMs);
      out.writeLong(leaseTtlMs);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      now = in.readLong();
      ticketGraceMs = in.readLong();
      leaseTtlMs = in.readLong();
    }
  }

  /** Drops everything of a member that left (idempotent: every survivor runs it). */
  public static final class PurgeNode extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private String nodeId;
    private long now;
    private long leaseTtlMs;

    PurgeNode() {
    }

    public PurgeNode(String nodeId, long now, long leaseTtlMs) {
      this.nodeId = nodeId;
      this.now = now;
      this.leaseTtlMs = leaseTtlMs;
    }

    @Override
    protected List<Grant> apply(PoolState state) {
      return state.purgeNode(nodeId, now, leaseTtlMs);
    }

    @Override
    public int getClassId() {
      return LedgerWire.PURGE_NODE;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeString(nodeId);
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      nodeId = in.readString();
      now = in.readLong();
      leaseTtlMs = in.readLong();
    }
  }

  /**
   * Drops everything of nodes that are not members. A node counts as a member if the caller or the
   * member running this (the entry's owner, at this moment) sees it: a node that joined after the
   * caller looked is never purged by a stale list.
   */
  public static final class RetainNodes extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private Set<String> members;
    private long now;
    private long leaseTtlMs;
    /** The members as the owner saw them when it ran: its backup replays with exactly these. */
    private TreeSet<String> kept;

    RetainNodes() {
    }

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
          kept.addAll(GatewayMembers.nodeIds(hz.getCluster()));
        }
      }
      return state.retainNodes(kept, now, leaseTtlMs);
    }

    @Override
    public int getClassId() {
      return LedgerWire.RETAIN_NODES;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      writeStrings(out, members);
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
      out.writeBoolean(kept != null);
      if (kept != null) {
        writeStrings(out, kept);
      }
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      members = new TreeSet<>(readStrings(in));
      now = in.readLong();
      leaseTtlMs = in.readLong();
      kept = in.readBoolean() ? new TreeSet<>(readStrings(in)) : null;
    }
  }

  /**
   * Re-records a node's live leases the entry lost. Carries the pool's spec so that an entry lost
   * altogether (owner and backup died together) is rebuilt around the leases still in flight.
   */
  public static final class Reassert extends PoolProcessor<Integer> {
    private static final long serialVersionUID = 1L;
    private PoolSpec spec;
    private List<Lease> leases;

    Reassert() {
    }

    public Reassert(PoolSpec spec, List<Lease> leases) {
      this.spec = spec;
      this.leases = List.copyOf(leases);
    }

    @Override
    protected PoolState create() {
      return new PoolState(spec);
    }

    @Override
    protected Integer apply(PoolState state) {
      return state.reassert(leases);
    }

    @Override
    public int getClassId() {
      return LedgerWire.REASSERT;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeObject(spec); // rare (after data loss): the spec's own serialization is fine here
      writeLeases(out, leases);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      spec = in.readObject();
      leases = readLeases(in);
    }
  }

  /** Creates the pool, or applies a new spec to it; leases in flight are kept. */
  public static final class Configure extends PoolProcessor<List<Grant>> {
    private static final long serialVersionUID = 1L;
    private PoolSpec spec;
    private long now;

    Configure() {
    }

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

    @Override
    public int getClassId() {
      return LedgerWire.CONFIGURE;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      out.writeObject(spec); // once per config change
      out.writeLong(now);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      spec = in.readObject();
      now = in.readLong();
    }
  }

  /**
   * A node's allotment sync ({@link AllotmentSync}): outcomes of the requests it served on its
   * units, units it gives back, units it would like more of.
   */
  public static final class Sync extends PoolProcessor<AllotmentAnswer> {
    private static final long serialVersionUID = 1L;
    private AllotmentSync sync;
    private long now;
    private long leaseTtlMs;
    private long seed;

    Sync() {
    }

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

    @Override
    public int getClassId() {
      return LedgerWire.SYNC;
    }

    @Override
    protected void writeFields(ObjectDataOutput out) throws IOException {
      writeSync(out, sync);
      out.writeLong(now);
      out.writeLong(leaseTtlMs);
      out.writeLong(seed);
    }

    @Override
    protected void readFields(ObjectDataInput in) throws IOException {
      sync = readSync(in);
      now = in.readLong();
      leaseTtlMs = in.readLong();
      seed = in.readLong();
    }
  }

  /** Reads a pool's snapshot; read-only, so it takes no lock and makes no backup. */
  public static final class Snapshot implements EntryProcessor<String, PoolState, Object>, ReadOnly,
      IdentifiedDataSerializable {
    private static final long serialVersionUID = 1L;
    private long now;

    Snapshot() {
    }

    public Snapshot(long now) {
      this.now = now;
    }

    @Override
    public Object process(java.util.Map.Entry<String, PoolState> entry) {
      PoolState state = entry.getValue();
      return new LedgerWire.Answer(state == null ? PoolProcessor.Missing.POOL : state.snapshot(now));
    }

    @Override
    public EntryProcessor<String, PoolState, Object> getBackupProcessor() {
      return null;
    }

    @Override
    public int getFactoryId() {
      return LedgerWire.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return LedgerWire.SNAPSHOT;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(now);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      now = in.readLong();
    }
  }
}
