package dev.poolgate.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionFunction;

import java.util.Collection;

/**
 * The ledger's split-brain protection: present while at least {@code minimum} gateway members are
 * in this member's view. Hazelcast already leaves lite members out; this also leaves out any other
 * data member that runs no gateway, so a foreign member can never make up a quorum.
 */
public final class GatewayQuorum implements SplitBrainProtectionFunction {
  private final int minimum;

  public GatewayQuorum(int minimum) {
    this.minimum = minimum;
  }

  public int minimum() {
    return minimum;
  }

  @Override
  public boolean apply(Collection<Member> members) {
    return GatewayMembers.count(members) >= minimum;
  }
}
