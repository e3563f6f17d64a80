package dev.poolgate.console;

import dev.poolgate.ledger.LocalSlotLedger;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The members of the cluster as Vert.x's cluster manager (Hazelcast) lists them, by node id (the
 * Hazelcast member UUID, the id the ledger uses); a node that is not clustered is alone.
 */
public final class ClusterMembers {
  private final Vertx vertx;

  public ClusterMembers(Vertx vertx) {
    this.vertx = vertx;
  }

  public String self() {
    ClusterManager cm = clusterManager();
    return cm == null ? LocalSlotLedger.NODE_ID : cm.getNodeId();
  }

  public Set<String> all() {
    ClusterManager cm = clusterManager();
    return cm == null ? Set.of(LocalSlotLedger.NODE_ID) : new LinkedHashSet<>(cm.getNodes());
  }

  private ClusterManager clusterManager() {
    return vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
  }
}
