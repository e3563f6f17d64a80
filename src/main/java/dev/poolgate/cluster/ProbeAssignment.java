package dev.poolgate.cluster;

import com.hazelcast.cluster.Cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which member probes which instance: rendezvous hashing of the instance id over the current
 * gateway members ({@link GatewayMembers}), so each instance is probed by exactly one gateway, and
 * only the instances of a gateway that left move to another one. Application members never probe,
 * so they are never handed an instance.
 */
public final class ProbeAssignment implements Predicate<String> {
  private final Cluster cluster;

  public ProbeAssignment(Cluster cluster) {
    this.cluster = cluster;
  }

  /** Whether this member probes the instance (reads Hazelcast's local member view, no I/O). */
  @Override
  public boolean test(String instanceId) {
    List<String> members = new ArrayList<>(GatewayMembers.nodeIds(cluster));
    return GatewayMembers.nodeId(cluster.getLocalMember()).equals(owner(members, instanceId));
  }

  /** The member with the highest score for the instance; null if there are no members. */
  public static String owner(Collection<String> members, String instanceId) {
    String best = null;
    long bestScore = 0;
    for (String m : members) {
      long score = score(m, instanceId);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0
          || (score == bestScore && m.compareTo(best) < 0)) {
        best = m;
        bestScore = score;
      }
    }
    return best;
  }

  /** FNV-1a over "member/instance", then the splitmix64 finaliser to spread similar ids. */
  static long score(String member, String instanceId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (member + '/' + instanceId).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
