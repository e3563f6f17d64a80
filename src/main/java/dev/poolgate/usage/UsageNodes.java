package dev.poolgate.usage;

import dev.poolgate.ledger.LocalSlotLedger;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.List;

/**
 * The node ids usage is asked from: the cluster manager's (the Hazelcast member UUIDs, the same
 * ids the ledger uses), or only this node's when Vert.x is not clustered.
 */
final class UsageNodes {
  private UsageNodes() {
  }

  static String self(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    return cm == null ? LocalSlotLedger.NODE_ID : cm.getNodeId();
  }

  static List<String> all(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    return cm == null ? List.of(LocalSlotLedger.NODE_ID) : List.copyOf(cm.getNodes());
  }

  private static ClusterManager clusterManager(Vertx vertx) {
    return vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
  }
}
