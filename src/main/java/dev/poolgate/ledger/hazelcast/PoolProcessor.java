package dev.poolgate.ledger.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import dev.poolgate.scheduling.PoolState;

import java.util.Map;

/**
 * One ledger operation on one pool's {@link PoolState}, run atomically on the partition thread of
 * the member owning the pool's entry.
 *
 * <p>Operations are not re-run on the backup: some are not deterministic (a grant makes a fresh
 * lease id, {@code RetainNodes} reads the owner's member list). The backup is instead handed the
 * state the operation produced, so owner and backup always hold the same leases.
 *
 * @param <R> what the operation answers (serializable)
 */
public abstract class PoolProcessor<R> implements EntryProcessor<String, PoolState, Object>, HazelcastInstanceAware {
  private static final long serialVersionUID = 1L;

  /** The answer when the pool has no entry (unknown pool, or its entry was lost). */
  public enum Missing { POOL }

  /** The state after {@link #process}, on the member that ran it; never serialized. */
  private transient PoolState after;
  private transient StateBackup backup;
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

  @Override
  public final Object process(Map.Entry<String, PoolState> entry) {
    PoolState state = entry.getValue();
    if (state == null) {
      state = create();
      if (state == null) {
        return Missing.POOL;
      }
    }
    R answer = apply(state);
    entry.setValue(state);
    after = state;
    return answer;
  }

  /** The state to start from when the pool has no entry; null means the operation needs one. */
  protected PoolState create() {
    return null;
  }

  /** Changes the state and says what happened. */
  protected abstract R apply(PoolState state);

  /**
   * A member alone in its cluster has no replica to back up to, and copying the whole state for a
   * backup nobody receives was most of a one-node cluster's CPU per request (docs/BENCHMARKS.md).
   * A member that joins later gets the entry by partition replication, not from backup processors.
   * Lite members (application members) hold no replicas, so only data members count.
   */
  private boolean alone() {
    try {
      return hazelcast != null
          && hazelcast.getCluster().getMembers().stream().filter(m -> !m.isLiteMember()).count() < 2;
    } catch (RuntimeException e) {
      return false; // shutting down: let Hazelcast decide
    }
  }

  @Override
  public EntryProcessor<String, PoolState, Object> getBackupProcessor() {
    if (after == null || alone()) {
      return null;
    }
    // Hazelcast asks more than once; the copy is taken once, right after the operation ran
    if (backup == null) {
      backup = new StateBackup(after);
    }
    return backup;
  }
}
