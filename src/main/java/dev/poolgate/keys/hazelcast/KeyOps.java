package dev.poolgate.keys.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import dev.poolgate.cluster.GatewayMembers;
import dev.poolgate.keys.KeyLimits;
import dev.poolgate.keys.KeyUsage;
import dev.poolgate.keys.Refusal;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The key limiter's store operations, one named processor per {@link KeyUsage} operation, each
 * run atomically on the partition thread of the key's entry. The time and the ids travel in the
 * fields, so an operation is deterministic and the backup replica simply runs it again.
 */
public final class KeyOps {
  private KeyOps() {
  }

  /**
   * One operation on a key's usage: a missing entry starts empty, an idle one is removed (so keys
   * deleted from the config leave nothing behind once their windows pass).
   */
  public abstract static class KeyProcessor<R> implements EntryProcessor<String, KeyUsage, Object> {
    private static final long serialVersionUID = 1L;
    protected final long now;

    protected KeyProcessor(long now) {
      this.now = now;
    }

    @Override
    public final Object process(Map.Entry<String, KeyUsage> entry) {
      KeyUsage usage = entry.getValue() == null ? new KeyUsage() : entry.getValue();
      R answer = apply(usage);
      entry.setValue(usage.idle(now) ? null : usage);
      return answer;
    }

    protected abstract R apply(KeyUsage usage);
  }

  /** Takes a permit, or answers the {@link Refusal} (null = admitted). */
  public static final class Acquire extends KeyProcessor<Refusal> {
    private static final long serialVersionUID = 1L;
    private final String nodeId;
    private final String permitId;
    private final KeyLimits limits;

    public Acquire(String nodeId, String permitId, KeyLimits limits, long now) {
      super(now);
      this.nodeId = nodeId;
      this.permitId = permitId;
      this.limits = limits;
    }

    @Override
    protected Refusal apply(KeyUsage usage) {
      return usage.acquire(nodeId, permitId, limits, now);
    }
  }

  /** Gives a permit back with its tokens (idempotent). */
  public static final class Release extends KeyProcessor<Boolean> {
    private static final long serialVersionUID = 1L;
    private final String nodeId;
    private final String permitId;
    private final long tokens;

    public Release(String nodeId, String permitId, long tokens, long now) {
      super(now);
      this.nodeId = nodeId;
      this.permitId = permitId;
      this.tokens = tokens;
    }

    @Override
    protected Boolean apply(KeyUsage usage) {
      return usage.release(nodeId, permitId, tokens, now);
    }
  }

  /** Drops the permits of nodes that are gone (idempotent: every survivor may run it). */
  public static final class PurgeNodes extends KeyProcessor<Integer> {
    private static final long serialVersionUID = 1L;
    private final Set<String> nodes;

    public PurgeNodes(Set<String> nodes, long now) {
      super(now);
      this.nodes = Set.copyOf(nodes);
    }

    @Override
    protected Integer apply(KeyUsage usage) {
      int n = 0;
      for (String node : nodes) {
        n += usage.purgeNode(node);
      }
      return n;
    }
  }

  /**
   * Drops the permits of every node that is a member in neither the caller's nor the entry
   * owner's view — a node missed by a member-removed event — but never one that has just joined
   * and is known to only one of them. The owner's view is not the backup's, so the backup is
   * told exactly which nodes were dropped.
   */
  public static final class RetainNodes extends KeyProcessor<Integer> implements HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private final Set<String> members;
    private transient HazelcastInstance hz;
    private transient Set<String> dropped;

    public RetainNodes(Set<String> members, long now) {
      super(now);
      this.members = Set.copyOf(members);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
      this.hz = hz;
    }

    @Override
    protected Integer apply(KeyUsage usage) {
      Set<String> ownerView = new HashSet<>();
      ownerView.addAll(GatewayMembers.nodeIds(hz.getCluster()));
      dropped = new HashSet<>();
      int n = 0;
      for (String node : usage.nodes()) {
        if (!members.contains(node) && !ownerView.contains(node)) {
          dropped.add(node);
          n += usage.purgeNode(node);
        }
      }
      return n;
    }

    @Override
    public EntryProcessor<String, KeyUsage, Object> getBackupProcessor() {
      return dropped == null ? null : new PurgeNodes(dropped, now);
    }
  }

  /** Reads the permits in flight. */
  public static final class InFlight implements EntryProcessor<String, KeyUsage, Object>, ReadOnly {
    private static final long serialVersionUID = 1L;

    @Override
    public Object process(Map.Entry<String, KeyUsage> entry) {
      return entry.getValue() == null ? 0 : entry.getValue().inFlight();
    }

    @Override
    public EntryProcessor<String, KeyUsage, Object> getBackupProcessor() {
      return null;
    }
  }
}
