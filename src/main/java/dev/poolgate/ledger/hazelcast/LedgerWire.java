package dev.poolgate.ledger.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.AllotmentAnswer;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.Ticket;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * How the ledger's operations and answers travel between members: Hazelcast's
 * {@link IdentifiedDataSerializable} with hand-written fields, so an operation on the hot path
 * costs a few dozen bytes and no reflection — Java serialization wrote class descriptors with
 * every call. Only rare operations carrying a whole {@code PoolSpec} (configure, re-assert) and the
 * status snapshot still use Java serialization for those values.
 *
 * <p>Every member must know the factory: {@link #register} is applied to every Hazelcast config
 * poolgate builds ({@code ClusterConfig.load}).
 */
public final class LedgerWire implements DataSerializableFactory {
  /** poolgate's factory id among the cluster's data-serializable factories. */
  public static final int FACTORY_ID = 0x706f6f6c; // "pool"

  static final int ADMIT = 1;
  static final int LEND = 2;
  static final int CANCEL = 3;
  static final int CLAIM = 4;
  static final int CLAIM_ALL = 5;
  static final int RELEASE = 6;
  static final int DRAIN = 7;
  static final int PROBE = 8;
  static final int RENEW = 9;
  static final int SWEEP = 10;
  static final int PURGE_NODE = 11;
  static final int RETAIN_NODES = 12;
  static final int REASSERT = 13;
  static final int CONFIGURE = 14;
  static final int SYNC = 15;
  static final int SNAPSHOT = 16;
  static final int ANSWER = 20;

  private static final Map<Integer, Supplier<IdentifiedDataSerializable>> TYPES = Map.ofEntries(
      Map.entry(ADMIT, PoolOps.Admit::new), Map.entry(LEND, PoolOps.Lend::new),
      Map.entry(CANCEL, PoolOps.Cancel::new), Map.entry(CLAIM, PoolOps.Claim::new),
      Map.entry(CLAIM_ALL, PoolOps.ClaimAll::new), Map.entry(RELEASE, PoolOps.Release::new),
      Map.entry(DRAIN, PoolOps.Drain::new), Map.entry(PROBE, PoolOps.Probe::new),
      Map.entry(RENEW, PoolOps.Renew::new), Map.entry(SWEEP, PoolOps.Sweep::new),
      Map.entry(PURGE_NODE, PoolOps.PurgeNode::new), Map.entry(RETAIN_NODES, PoolOps.RetainNodes::new),
      Map.entry(REASSERT, PoolOps.Reassert::new), Map.entry(CONFIGURE, PoolOps.Configure::new),
      Map.entry(SYNC, PoolOps.Sync::new), Map.entry(SNAPSHOT, PoolOps.Snapshot::new),
      Map.entry(ANSWER, Answer::new));

  /** Makes the ledger's types known to a member. */
  public static Config register(Config config) {
    config.getSerializationConfig().addDataSerializableFactory(FACTORY_ID, new LedgerWire());
    return config;
  }

  @Override
  public IdentifiedDataSerializable create(int typeId) {
    Supplier<IdentifiedDataSerializable> type = TYPES.get(typeId);
    return type == null ? null : type.get();
  }

  // ------------------------------------------------------------------ answers

  /**
   * An operation's answer on the wire. Processors answer one of these (a local call unwraps it
   * without copying); the answer's type picks its encoding.
   */
  public static final class Answer implements IdentifiedDataSerializable {
    private static final byte NULL = 0;
    private static final byte GRANTED = 1;
    private static final byte QUEUED = 2;
    private static final byte REJECTED = 3;
    private static final byte GRANT = 4;
    private static final byte GRANTS = 5;
    private static final byte DRAINED = 6;
    private static final byte STRINGS = 7;
    private static final byte INT = 8;
    private static final byte ALLOTMENT = 9;
    private static final byte MISSING = 10;
    private static final byte OTHER = 99;

    private Object value;

    Answer() {
    }

    Answer(Object value) {
      this.value = value;
    }

    /** What the operation answered. */
    public Object value() {
      return value;
    }

    @Override
    public int getFactoryId() {
      return FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return ANSWER;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      if (value == null) {
        out.writeByte(NULL);
      } else if (value instanceof Admission.Granted g) {
        out.writeByte(GRANTED);
        writeLease(out, g.lease());
      } else if (value instanceof Admission.Queued q) {
        out.writeByte(QUEUED);
        writeTicket(out, q.ticket());
        out.writeLong(q.wakeAt());
        out.writeBoolean(q.recall());
      } else if (value instanceof Admission.Rejected r) {
        out.writeByte(REJECTED);
        out.writeString(r.reason().name());
      } else if (value instanceof Grant g) {
        out.writeByte(GRANT);
        writeGrant(out, g);
      } else if (value instanceof Drained d) {
        out.writeByte(DRAINED);
        writeDrained(out, d);
      } else if (value instanceof Integer i) {
        out.writeByte(INT);
        out.writeInt(i);
      } else if (value instanceof AllotmentAnswer a) {
        out.writeByte(ALLOTMENT);
        writeAllotmentAnswer(out, a);
      } else if (value instanceof PoolProcessor.Missing) {
        out.writeByte(MISSING);
      } else if (value instanceof List<?> list && list.stream().allMatch(Grant.class::isInstance)) {
        out.writeByte(GRANTS);
        out.writeInt(list.size());
        for (Object g : list) {
          writeGrant(out, (Grant) g);
        }
      } else if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
        out.writeByte(STRINGS);
        writeStrings(out, list.stream().map(String.class::cast).toList());
      } else {
        out.writeByte(OTHER);
        out.writeObject(value);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      byte tag = in.readByte();
      value = switch (tag) {
        case NULL -> null;
        case GRANTED -> new Admission.Granted(readLease(in));
        case QUEUED -> new Admission.Queued(readTicket(in), in.readLong(), in.readBoolean());
        case REJECTED -> new Admission.Rejected(Admission.Reason.valueOf(in.readString()));
        case GRANT -> readGrant(in);
        case DRAINED -> readDrained(in);
        case INT -> in.readInt();
        case ALLOTMENT -> readAllotmentAnswer(in);
        case MISSING -> PoolProcessor.Missing.POOL;
        case GRANTS -> readGrants(in);
        case STRINGS -> readStrings(in);
        case OTHER -> in.readObject();
        default -> throw new IOException("unknown ledger answer type " + tag);
      };
    }
  }

  // ------------------------------------------------------------------ values

  static void writeStrings(ObjectDataOutput out, Collection<String> values) throws IOException {
    out.writeInt(values.size());
    for (String v : values) {
      out.writeString(v);
    }
  }

  static List<String> readStrings(ObjectDataInput in) throws IOException {
    int n = in.readInt();
    List<String> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      values.add(in.readString());
    }
    return values;
  }

  static void writeTicket(ObjectDataOutput out, Ticket t) throws IOException {
    out.writeString(t.ticketId());
    out.writeString(t.nodeId());
    out.writeInt(t.priority());
    out.writeLong(t.seq());
    out.writeLong(t.deadline());
    // sorted: the excluded set is a value, its order must not depend on the JVM
    writeStrings(out, new TreeSet<>(t.excluded()));
  }

  static Ticket readTicket(ObjectDataInput in) throws IOException {
    return new Ticket(in.readString(), in.readString(), in.readInt(), in.readLong(), in.readLong(),
        Set.copyOf(readStrings(in)));
  }

  static void writeLease(ObjectDataOutput out, Lease l) throws IOException {
    out.writeString(l.leaseId());
    out.writeString(l.pool());
    out.writeString(l.instanceId());
    out.writeString(l.nodeId());
    out.writeString(l.ticketId());
    out.writeLong(l.expiresAt());
  }

  static Lease readLease(ObjectDataInput in) throws IOException {
    return new Lease(in.readString(), in.readString(), in.readString(), in.readString(), in.readString(),
        in.readLong());
  }

  static void writeLeases(ObjectDataOutput out, List<Lease> leases) throws IOException {
    out.writeInt(leases.size());
    for (Lease l : leases) {
      writeLease(out, l);
    }
  }

  static List<Lease> readLeases(ObjectDataInput in) throws IOException {
    int n = in.readInt();
    List<Lease> leases = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      leases.add(readLease(in));
    }
    return leases;
  }

  private static void writeGrant(ObjectDataOutput out, Grant g) throws IOException {
    writeTicket(out, g.ticket());
    writeLease(out, g.lease());
  }

  private static Grant readGrant(ObjectDataInput in) throws IOException {
    return new Grant(readTicket(in), readLease(in));
  }

  private static List<Grant> readGrants(ObjectDataInput in) throws IOException {
    int n = in.readInt();
    List<Grant> grants = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      grants.add(readGrant(in));
    }
    return grants;
  }

  private static void writeDrained(ObjectDataOutput out, Drained d) throws IOException {
    out.writeInt(d.grants().size());
    for (Grant g : d.grants()) {
      writeGrant(out, g);
    }
    out.writeLong(d.wakeAt());
  }

  private static Drained readDrained(ObjectDataInput in) throws IOException {
    List<Grant> grants = readGrants(in);
    return new Drained(grants, in.readLong());
  }

  static void writeMetrics(ObjectDataOutput out, CallMetrics m) throws IOException {
    out.writeLong(m.ttfbMs());
    out.writeLong(m.tokens());
  }

  static CallMetrics readMetrics(ObjectDataInput in) throws IOException {
    return new CallMetrics(in.readLong(), in.readLong());
  }

  static void writeSync(ObjectDataOutput out, AllotmentSync s) throws IOException {
    out.writeString(s.nodeId());
    out.writeLong(s.epoch());
    out.writeInt(s.instances().size());
    for (AllotmentSync.Entry e : s.instances()) {
      out.writeString(e.instanceId());
      out.writeInt(e.known());
      out.writeInt(e.target());
      out.writeInt(e.inUse());
      out.writeInt(e.outcomes().size());
      for (AllotmentSync.OutcomeRun run : e.outcomes()) {
        out.writeString(run.outcome().name());
        out.writeInt(run.count());
        out.writeString(run.error());
      }
      out.writeLong(e.ttfbSumMs());
      out.writeInt(e.ttfbCount());
    }
    out.writeInt(s.grow());
    out.writeInt(s.minCap());
  }

  static AllotmentSync readSync(ObjectDataInput in) throws IOException {
    String nodeId = in.readString();
    long epoch = in.readLong();
    int n = in.readInt();
    List<AllotmentSync.Entry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String instanceId = in.readString();
      int known = in.readInt();
      int target = in.readInt();
      int inUse = in.readInt();
      int runs = in.readInt();
      List<AllotmentSync.OutcomeRun> outcomes = new ArrayList<>(runs);
      for (int r = 0; r < runs; r++) {
        outcomes.add(new AllotmentSync.OutcomeRun(Outcome.valueOf(in.readString()), in.readInt(), in.readString()));
      }
      entries.add(new AllotmentSync.Entry(instanceId, known, target, inUse, outcomes, in.readLong(), in.readInt()));
    }
    return new AllotmentSync(nodeId, epoch, entries, in.readInt(), in.readInt());
  }

  private static void writeAllotmentAnswer(ObjectDataOutput out, AllotmentAnswer a) throws IOException {
    out.writeInt(a.units().size());
    for (Map.Entry<String, Integer> e : a.units().entrySet()) {
      out.writeString(e.getKey());
      out.writeInt(e.getValue());
    }
    writeStrings(out, a.usable());
    writeStrings(out, a.lost());
    out.writeBoolean(a.contended());
    writeDrained(out, a.drained());
  }

  private static AllotmentAnswer readAllotmentAnswer(ObjectDataInput in) throws IOException {
    int n = in.readInt();
    Map<String, Integer> units = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      units.put(in.readString(), in.readInt());
    }
    Set<String> usable = new TreeSet<>(readStrings(in));
    List<String> lost = readStrings(in);
    boolean contended = in.readBoolean();
    return new AllotmentAnswer(units, usable, lost, contended, readDrained(in));
  }
}
