package dev.poolgate.ledger.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.poolgate.scheduling.PoolState;

import java.io.IOException;
import java.util.Map;

/**
 * One ledger operation on one pool's {@link PoolState}, run atomically on the partition thread of
 * the member owning the pool's entry.
 *
 * <p>The backup replays the operation itself: every operation is deterministic — the time, random
 * seeds and lease ids come from its fields or from the state (a lease id is its ticket's id and the
 * state's sequence), and an input only the owner can read (the member list of {@code RetainNodes})
 * is fixed in a field by the owner's run before the processor travels to the backup. So a backup
 * costs one small processor and one replay, not a copy of the whole state (the copy was most of a
 * clustered node's CPU per request, docs/BENCHMARKS.md). {@code LedgerBackupReplayTest} checks
 * that replays on a copy keep it equal to the original.
 *
 * <p>Operations and their answers travel as {@link IdentifiedDataSerializable} ({@link LedgerWire}).
 *
 * @param <R> what the operation answers; it travels wrapped in a {@link LedgerWire.Answer}
 */
public abstract class PoolProcessor<R> implements EntryProcessor<String, PoolState, Object>, HazelcastInstanceAware,
    IdentifiedDataSerializable {
  private static final long serialVersionUID = 1L;

  /** The answer when the pool has no entry (unknown pool, or its entry was lost). */
  public enum Missing { POOL }

  /** Set on the copy sent to the backup: it applies what the owner fixed instead of reading anew. */
  private boolean replay;
  /** The member running the operation, injected by Hazelcast before it runs. */
  private transient HazelcastInstance hazelcast;

  @Override
  public final void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.hazelcast = hazelcastInstance;
  }

  /** The member running the operation, or null outside Hazelcast (unit tests). */
  protected final HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** Whether this run is the backup's replay of the owner's. */
  protected final boolean replaying() {
    return replay;
  }

  @Override
  public final Object process(Map.Entry<String, PoolState> entry) {
    PoolState state = entry.getValue();
    if (state == null) {
      state = create();
      if (state == null) {
        return new LedgerWire.Answer(Missing.POOL);
      }
    }
    R answer = apply(state);
    entry.setValue(state);
    return new LedgerWire.Answer(answer);
  }

  /** What an operation answered, unwrapped from its wire form. */
  public static Object answerOf(Object processed) {
    return processed instanceof LedgerWire.Answer a ? a.value() : processed;
  }

  @Override
  public final int getFactoryId() {
    return LedgerWire.FACTORY_ID;
  }

  @Override
  public final void writeData(ObjectDataOutput out) throws IOException {
    out.writeBoolean(replay);
    writeFields(out);
  }

  @Override
  public final void readData(ObjectDataInput in) throws IOException {
    replay = in.readBoolean();
    readFields(in);
  }

  /** Writes the operation's inputs. */
  protected abstract void writeFields(ObjectDataOutput out) throws IOException;

  /** Reads what {@link #writeFields} wrote. */
  protected abstract void readFields(ObjectDataInput in) throws IOException;

  /** The state to start from when the pool has no entry; null means the operation needs one. */
  protected PoolState create() {
    return null;
  }

  /** Changes the state and says what happened. */
  protected abstract R apply(PoolState state);

  /**
   * A member alone in its cluster has no replica to back up to. A member that joins later gets the
   * entry by partition replication, not from backup processors. Lite members (application
   * members) hold no replicas, so only data members count.
   */
  private boolean alone() {
    try {
      return hazelcast != null
          && hazelcast.getCluster().getMembers().stream().filter(m -> !m.isLiteMember()).count() < 2;
    } catch (RuntimeException e) {
      return false; // shutting down: let Hazelcast decide
    }
  }

  /** The same operation, replayed on the backup replica (see the class comment). */
  @Override
  public EntryProcessor<String, PoolState, Object> getBackupProcessor() {
    if (alone()) {
      return null;
    }
    replay = true;
    return this;
  }
}
