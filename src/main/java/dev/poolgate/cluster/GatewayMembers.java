package dev.poolgate.cluster;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which Hazelcast members are poolgate gateway nodes, and their stable node ids. Every gateway
 * duty — probing, the ledger quorum, purging a departed node's leases — counts these members only:
 * a Vert.x application joined to use the event-bus API is a lite member with another role, owns no
 * ledger partitions and never probes.
 *
 * <p>A gateway's node id is a member attribute, not the member's UUID: Hazelcast gives a member a
 * new UUID when it merges back after a split, while the leases and tickets it holds keep naming
 * the id it started with.
 */
public final class GatewayMembers {
  /** Member attribute naming what a member is: {@value #GATEWAY} or {@value #APPLICATION}. */
  public static final String ROLE_ATTRIBUTE = "poolgate.role";
  /** Member attribute holding a gateway's node id (the owner recorded in its leases). */
  public static final String NODE_ATTRIBUTE = "poolgate.node";
  public static final String GATEWAY = "gateway";
  public static final String APPLICATION = "application";

  private GatewayMembers() {
  }

  /** A data (non-lite) member marked as a gateway. */
  public static boolean isGateway(Member member) {
    return !member.isLiteMember() && GATEWAY.equals(member.getAttribute(ROLE_ATTRIBUTE));
  }

  /** The member's node id: its {@value #NODE_ATTRIBUTE} attribute, else its UUID. */
  public static String nodeId(Member member) {
    String id = member.getAttribute(NODE_ATTRIBUTE);
    return id != null ? id : member.getUuid().toString();
  }

  /** The node ids of the gateway members in this member's current view, oldest first. */
  public static Set<String> nodeIds(Cluster cluster) {
    Set<String> ids = new LinkedHashSet<>();
    for (Member m : cluster.getMembers()) {
      if (isGateway(m)) {
        ids.add(nodeId(m));
      }
    }
    return ids;
  }

  /** How many gateway members there are in the given members. */
  public static int count(Iterable<Member> members) {
    int n = 0;
    for (Member m : members) {
      if (isGateway(m)) {
        n++;
      }
    }
    return n;
  }
}
