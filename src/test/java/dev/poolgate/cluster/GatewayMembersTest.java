package dev.poolgate.cluster;

import com.hazelcast.config.Config;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What cluster.xml becomes for a gateway node and for an application member. */
class GatewayMembersTest {
  private static final Path FILE = Path.of(ClusterConfig.DEFAULT_FILE);

  @Test
  void aGatewayIsADataMemberWithARoleAStableNodeIdAndAQuorumOfGateways() {
    Config gateway = ClusterConfig.load(FILE, Map.of(ClusterConfig.MIN_CLUSTER_SIZE, "2"));
    assertFalse(gateway.isLiteMember());
    assertEquals(GatewayMembers.GATEWAY, gateway.getMemberAttributeConfig().getAttribute(GatewayMembers.ROLE_ATTRIBUTE));
    String nodeId = gateway.getMemberAttributeConfig().getAttribute(GatewayMembers.NODE_ATTRIBUTE);
    assertNotEquals(nodeId, ClusterConfig.load(FILE, Map.of()).getMemberAttributeConfig()
        .getAttribute(GatewayMembers.NODE_ATTRIBUTE), "two nodes got the same id");
    var quorum = gateway.getSplitBrainProtectionConfig(ClusterConfig.QUORUM_NAME);
    assertTrue(quorum.isEnabled());
    assertEquals(2, assertInstanceOf(GatewayQuorum.class, quorum.getFunctionImplementation()).minimum());
    assertEquals(2, ClusterConfig.minClusterSize(gateway));
    assertEquals(1, ClusterConfig.minClusterSize(ClusterConfig.load(FILE, Map.of())));
  }

  @Test
  void anApplicationIsALiteMemberWithoutANodeId() {
    Config app = ClusterConfig.loadApplication(FILE, Map.of());
    assertTrue(app.isLiteMember());
    assertEquals(GatewayMembers.APPLICATION, app.getMemberAttributeConfig().getAttribute(GatewayMembers.ROLE_ATTRIBUTE));
    assertNull(app.getMemberAttributeConfig().getAttribute(GatewayMembers.NODE_ATTRIBUTE));
  }
}
