package dev.poolgate.bus;

import dev.poolgate.ledger.LocalSlotLedger;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.List;

/**
 * The nodes of the clustered event bus, by the cluster manager's node ids: what a node-addressed
 * request (usage, console series) is sent to. Only this node ({@link LocalSlotLedger#NODE_ID}) when
 * Vert.x is not clustered. These ids address event-bus consumers; the ledger's own node ids are
 * {@code cluster.GatewayMembers}'.
 */
public final class BusNodes {
  private BusNodes() {
  }

  /** This node's id. */
  public static String self(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    return cm == null ? LocalSlotLedger.NODE_ID : cm.getNodeId();
  }

  /** Every node's id, this one's included. */
  public static List<String> all(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    return cm == null ? List.of(LocalSlotLedger.NODE_ID) : List.copyOf(cm.getNodes());
  }

  private static ClusterManager clusterManager(Vertx vertx) {
    return vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
  }
}
