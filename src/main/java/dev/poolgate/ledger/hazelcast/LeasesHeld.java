package dev.poolgate.ledger.hazelcast;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import dev.poolgate.scheduling.Lease;
import dev.poolgate.scheduling.PoolState;

import java.util.ArrayList;
import java.util.Map;

/**
 * The ids of the leases a node holds in a pool, as the entry records them: a node that may have
 * been purged compares them with what it thinks it holds. Read-only: no lock, no backup.
 */
public final class LeasesHeld implements EntryProcessor<String, PoolState, Object>, ReadOnly {
  private static final long serialVersionUID = 1L;
  private final String nodeId;

  public LeasesHeld(String nodeId) {
    this.nodeId = nodeId;
  }

  @Override
  public Object process(Map.Entry<String, PoolState> entry) {
    PoolState state = entry.getValue();
    if (state == null) {
      return PoolProcessor.Missing.POOL;
    }
    ArrayList<String> ids = new ArrayList<>();
    for (Lease l : state.leasesOf(nodeId)) {
      ids.add(l.leaseId());
    }
    return ids;
  }

  @Override
  public EntryProcessor<String, PoolState, Object> getBackupProcessor() {
    return null;
  }
}
