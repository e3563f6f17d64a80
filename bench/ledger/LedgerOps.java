import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import dev.poolgate.ledger.hazelcast.LedgerWire;
import dev.poolgate.ledger.hazelcast.PoolOps;
import dev.poolgate.ledger.hazelcast.PoolProcessor;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.PoolState;
import dev.poolgate.scheduling.Ticket;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one clustered-ledger operation costs on the partition thread that runs it, and on the wire:
 * the entry processors of the Hazelcast ledger run here on a pool state exactly as Hazelcast runs
 * them (process, then the backup's replay of the same operation), with no network, so the figures
 * are the CPU of the operation itself. Each size is measured with 0, 100 and 5,000 leases already
 * held by other requests, to show that an operation does not scan the state.
 *
 * <p>Run (single-file source launch, after {@code make package}; bounded: a fixed count per case):
 * <pre>java -cp target/poolgate.jar bench/ledger/LedgerOps.java</pre>
 */
public final class LedgerOps {
  private static final long TTL = 30_000;
  private static final int ROUNDS = 200_000;

  public static void main(String[] args) {
    SerializationService wire = new DefaultSerializationServiceBuilder()
        .addDataSerializableFactory(LedgerWire.FACTORY_ID, new LedgerWire()).build();
    System.out.println("| leases held by others | admit + release, owner (µs) | same, backup replay (µs) |"
        + " sync op (µs) | admit on the wire (bytes) | release on the wire (bytes) | wire encode + decode per op (µs) |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
    for (int held : new int[] {0, 100, 5_000}) {
      measure(held, wire, ROUNDS / 4); // warm-up of this size
      measure(held, wire, ROUNDS).print(held);
    }
  }

  private record Figures(double ownerUs, double backupUs, double syncUs, int admitBytes, int releaseBytes,
                         double wireUs) {
    void print(int held) {
      System.out.printf("| %,d | %.2f | %.2f | %.2f | %d | %d | %.2f |%n", held, ownerUs, backupUs, syncUs,
          admitBytes, releaseBytes, wireUs);
    }
  }

  private static Figures measure(int held, SerializationService wire, int rounds) {
    Entry owner = new Entry();
    Entry backup = new Entry();
    PoolSpec spec = new PoolSpec("bench", List.of(new InstanceSpec("a", 100_000, 1), new InstanceSpec("b", 100_000, 1)),
        100, new HealthPolicy(3, 5, 30_000, 2));
    run(owner, backup, new PoolOps.Configure(spec, 1));
    long now = 1_000;
    for (int i = 0; i < held; i++) {
      run(owner, backup, new PoolOps.Admit(new Ticket("held-" + i, "other-node", 5, 0, now + 60_000, Set.of()), now,
          TTL, i));
    }
    List<PoolProcessor<?>> ops = new ArrayList<>(2);
    long ownerNs = 0;
    long backupNs = 0;
    int admitBytes = 0;
    int releaseBytes = 0;
    long wireNs = 0;
    for (int i = 0; i < rounds; i++) {
      now++;
      PoolOps.Admit admit = new PoolOps.Admit(new Ticket("t-" + i, "node-1", 5, 0, now + 30_000, Set.of()), now, TTL, i);
      long t0 = System.nanoTime();
      Admission.Granted granted = (Admission.Granted) PoolProcessor.answerOf(admit.process(owner));
      long t1 = System.nanoTime();
      PoolOps.Release release = new PoolOps.Release(granted.lease(), Outcome.SUCCESS, null, new CallMetrics(40, 30),
          now, TTL);
      release.process(owner);
      long t2 = System.nanoTime();
      ownerNs += t2 - t0;
      ops.clear();
      ops.add((PoolProcessor<?>) admit.getBackupProcessor());
      ops.add((PoolProcessor<?>) release.getBackupProcessor());
      if (i % 16 == 0) { // the wire cost on a sample: encode and decode as a remote call does
        long w0 = System.nanoTime();
        Data a = wire.toData(admit);
        Data r = wire.toData(release);
        wire.toObject(a);
        wire.toObject(r);
        wireNs += (System.nanoTime() - w0) * 16;
        admitBytes = a.totalSize();
        releaseBytes = r.totalSize();
      }
      long b0 = System.nanoTime();
      for (PoolProcessor<?> op : ops) {
        op.process(backup);
      }
      backupNs += System.nanoTime() - b0;
    }
    long syncNs = 0;
    int syncRounds = rounds / 10;
    for (int i = 0; i < syncRounds; i++) {
      now++;
      AllotmentSync sync = new AllotmentSync("node-1", 7, List.of(new AllotmentSync.Entry("a", i == 0 ? 0 : 8, 8, 4,
          List.of(new AllotmentSync.OutcomeRun(Outcome.SUCCESS, 40, null)), 1_600, 40)), i == 0 ? 8 : 0, 32);
      PoolOps.Sync op = new PoolOps.Sync(sync, now, TTL, i);
      long s0 = System.nanoTime();
      op.process(owner);
      syncNs += System.nanoTime() - s0;
    }
    return new Figures(ownerNs / 1_000.0 / rounds, backupNs / 1_000.0 / rounds, syncNs / 1_000.0 / syncRounds,
        admitBytes, releaseBytes, wireNs / 1_000.0 / rounds / 2);
  }

  private static void run(Entry owner, Entry backup, PoolProcessor<?> op) {
    op.process(owner);
    ((PoolProcessor<?>) op.getBackupProcessor()).process(backup);
  }

  /** A map entry as Hazelcast hands it to a processor (OBJECT in-memory format: the live value). */
  private static final class Entry implements Map.Entry<String, PoolState> {
    private PoolState value;

    @Override
    public String getKey() {
      return "bench";
    }

    @Override
    public PoolState getValue() {
      return value;
    }

    @Override
    public PoolState setValue(PoolState v) {
      PoolState old = value;
      value = v;
      return old;
    }
  }
}
