package dev.poolgate.ledger.hazelcast;

import com.hazelcast.map.EntryProcessor;
import dev.poolgate.scheduling.Admission;
import dev.poolgate.scheduling.AllotmentAnswer;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.CallMetrics;
import dev.poolgate.scheduling.Grant;
import dev.poolgate.scheduling.HealthPolicy;
import dev.poolgate.scheduling.InstanceSpec;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.scheduling.PoolSpec;
import dev.poolgate.scheduling.PoolState;
import dev.poolgate.scheduling.Strategy;
import dev.poolgate.scheduling.Ticket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The backup replays each operation on its own copy of the pool state: random sequences of every
 * ledger operation, run on an "owner" state and — after travelling through serialization as
 * Hazelcast sends it — replayed on a copy, must leave both equal, field by field, after every step.
 * A non-deterministic operation (a drawn lease id, an unordered iteration, a clock read) fails it.
 */
class BackupReplayTest {
  private static final String[] NODES = {"node-a", "node-b", "node-c"};
  private static final long TTL = 10_000;

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void aReplayedBackupStaysEqualToItsOwner(long seed) {
    Random random = new Random(seed);
    Strategy strategy = Strategy.values()[(int) (seed % Strategy.values().length)];
    Holder owner = new Holder();
    Holder backup = new Holder();
    run(owner, backup, new PoolOps.Configure(spec(strategy, 6, 4), 1_000));
    List<Lease> leases = new ArrayList<>();
    List<String> tickets = new ArrayList<>();
    Map<String, Long> epochs = new HashMap<>();
    long now = 1_000;
    int allotmentOps = 0;
    for (int step = 0; step < 400; step++) {
      now += random.nextInt(50);
      String node = NODES[random.nextInt(NODES.length)];
      int kind = random.nextInt(14);
      Object answer;
      switch (kind) {
        case 0, 1, 2 -> {
          String id = "t" + step;
          tickets.add(id);
          Set<String> excluded = random.nextInt(5) == 0 ? Set.of("i" + random.nextInt(4)) : Set.of();
          answer = run(owner, backup, new PoolOps.Admit(new Ticket(id, node, random.nextInt(11), 0,
              now + 5_000, excluded), now, TTL, random.nextLong()));
          if (answer instanceof Admission.Granted g) {
            leases.add(g.lease());
          }
        }
        case 3, 4 -> {
          if (!leases.isEmpty()) {
            Lease l = leases.remove(random.nextInt(leases.size()));
            Outcome outcome = Outcome.values()[random.nextInt(3)];
            answer = run(owner, backup, new PoolOps.Release(l, outcome, outcome == Outcome.FAILURE ? "boom" : null,
                new CallMetrics(random.nextInt(300), random.nextInt(100)), now, TTL));
            collect(answer, leases);
          }
        }
        case 5 -> {
          if (!tickets.isEmpty()) {
            answer = run(owner, backup, new PoolOps.Cancel(tickets.get(random.nextInt(tickets.size()))));
            if (answer instanceof Grant g) {
              leases.add(g.lease());
            }
          }
        }
        case 6 -> collect(run(owner, backup, new PoolOps.ClaimAll(node)), leases);
        case 7 -> collect(run(owner, backup, new PoolOps.Probe("i" + random.nextInt(4), random.nextBoolean(),
            "probe failed", now, TTL)), leases);
        case 8 -> run(owner, backup, new PoolOps.Renew(node, leases.stream().map(Lease::leaseId).toList(), now + TTL));
        case 9 -> collect(run(owner, backup, new PoolOps.Sweep(now, 1_000, TTL)), leases);
        case 10 -> {
          if (random.nextInt(4) == 0) {
            String gone = NODES[random.nextInt(NODES.length)];
            collect(run(owner, backup, new PoolOps.RetainNodes(Set.copyOf(
                List.of(NODES).stream().filter(n -> !n.equals(gone)).toList()), now, TTL)), leases);
            leases.removeIf(l -> l.nodeId().equals(gone));
          }
        }
        case 11 -> collect(run(owner, backup, new PoolOps.Configure(spec(strategy, 3 + random.nextInt(5),
            3 + random.nextInt(2)), now)), leases);
        default -> {
          allotmentOps++;
          long epoch = epochs.computeIfAbsent(node, n -> random.nextLong());
          List<AllotmentSync.Entry> entries = new ArrayList<>();
          for (int i = 0; i < 4; i++) {
            if (random.nextBoolean()) {
              entries.add(new AllotmentSync.Entry("i" + i, random.nextInt(3), random.nextInt(3), random.nextInt(2),
                  List.of(new AllotmentSync.OutcomeRun(Outcome.SUCCESS, 1 + random.nextInt(5), null),
                      new AllotmentSync.OutcomeRun(Outcome.FAILURE, 1, "x")), random.nextInt(900), 3));
            }
          }
          answer = run(owner, backup, new PoolOps.Sync(new AllotmentSync(node, epoch, entries, random.nextInt(6), 1),
              now, TTL, random.nextLong()));
          collect(((AllotmentAnswer) answer).drained(), leases);
        }
      }
      assertDeepEqual(owner.value, backup.value, "step " + step + " (operation kind " + kind + ")");
    }
    assertTrue(allotmentOps > 0);
  }

  private static PoolSpec spec(Strategy strategy, int cap, int instances) {
    List<InstanceSpec> list = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      list.add(new InstanceSpec("i" + i, cap + i, 1 + i % 3, i == 2 ? 5 : 0, 0));
    }
    return new PoolSpec("p", list, 50, new HealthPolicy(2, 4, 100, 2), strategy, 1_000);
  }

  private static void collect(Object answer, List<Lease> leases) {
    if (answer instanceof dev.poolgate.scheduling.Drained d) {
      d.grants().forEach(g -> leases.add(g.lease()));
    } else if (answer instanceof List<?> list) {
      list.stream().filter(Grant.class::isInstance).map(Grant.class::cast).forEach(g -> leases.add(g.lease()));
    }
  }

  /** Runs the operation as the owner, then its backup processor, shipped as bytes, on the copy. */
  private static Object run(Holder owner, Holder backup, PoolProcessor<?> op) {
    Object answer = PoolProcessor.answerOf(op.process(owner));
    EntryProcessor<String, PoolState, Object> replay = op.getBackupProcessor();
    assertTrue(replay != null, "every operation that changes the state is backed up");
    copy(replay).process(backup);
    // and the answer survives its trip back to the caller
    assertEquals(answer, PoolProcessor.answerOf(wire(new LedgerWire.Answer(answer))));
    return answer;
  }

  private static final com.hazelcast.internal.serialization.SerializationService WIRE =
      new com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder()
          .addDataSerializableFactory(LedgerWire.FACTORY_ID, new LedgerWire()).build();

  /** Through Hazelcast's serialization, as between members. */
  private static <T> T wire(T value) {
    return WIRE.toObject(WIRE.toData(value));
  }

  /** A backup processor as the backup member receives it. */
  private static <T> T copy(T value) {
    return wire(value);
  }

  private static final class Holder implements Map.Entry<String, PoolState>, Serializable {
    PoolState value;

    @Override
    public String getKey() {
      return "p";
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

  // ------------------------------------------------------------------ deep equality

  private static void assertDeepEqual(Object a, Object b, String path) {
    if (a == null || b == null) {
      assertEquals(a, b, path);
      return;
    }
    assertEquals(a.getClass(), b.getClass(), path);
    if (a instanceof String || a instanceof Number || a instanceof Boolean || a instanceof Enum<?>
        || a instanceof Character || a.getClass().isRecord()) {
      assertEquals(a, b, path);
    } else if (a instanceof HashMap<?, ?> ma && !(a instanceof java.util.LinkedHashMap<?, ?>)) {
      // lookups only: order is not state
      Map<?, ?> mb = (Map<?, ?>) b;
      assertEquals(ma.keySet(), mb.keySet(), path + " keys");
      ma.forEach((k, v) -> assertDeepEqual(v, mb.get(k), path + "[" + k + "]"));
    } else if (a instanceof Map<?, ?> ma) {
      assertOrdered(ma.entrySet(), ((Map<?, ?>) b).entrySet(), path);
    } else if (a instanceof HashSet<?> sa && !(a instanceof java.util.LinkedHashSet<?>)) {
      assertEquals(sa, b, path);
    } else if (a instanceof Collection<?> ca) {
      assertOrdered(ca, (Collection<?>) b, path);
    } else if (a instanceof Map.Entry<?, ?> ea) {
      Map.Entry<?, ?> eb = (Map.Entry<?, ?>) b;
      assertDeepEqual(ea.getKey(), eb.getKey(), path + " key");
      assertDeepEqual(ea.getValue(), eb.getValue(), path + "[" + ea.getKey() + "]");
    } else if (a instanceof java.util.Comparator<?>) {
      // an ordering, no state of its own
    } else {
      for (Class<?> c = a.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (Modifier.isStatic(f.getModifiers())) {
            continue;
          }
          try {
            f.setAccessible(true);
            assertDeepEqual(f.get(a), f.get(b), path + "." + f.getName());
          } catch (IllegalAccessException e) {
            fail(path + "." + f.getName() + ": " + e);
          }
        }
      }
    }
  }

  private static void assertOrdered(Collection<?> a, Collection<?> b, String path) {
    assertEquals(a.size(), b.size(), path + " size");
    Iterator<?> ib = b.iterator();
    int i = 0;
    for (Object x : a) {
      assertDeepEqual(x, ib.next(), path + "[" + i++ + "]");
    }
  }
}
