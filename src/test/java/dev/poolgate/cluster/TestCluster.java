package dev.poolgate.cluster;

import com.hazelcast.config.Config;
import io.vertx.core.Future;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Several Hazelcast members with clustered Vert.x in one JVM, on loopback, each on its own port,
 * in a cluster of their own (a fresh cluster name per call), built from the real cluster.xml.
 */
public final class TestCluster {
  /** Failure detection in tests: a silent member is dead after this long. */
  public static final int MAX_NO_HEARTBEAT_SECONDS = 3;

  private TestCluster() {
  }

  /** Starts n members one after the other, so each joins the first. */
  public static List<ClusterNode.Member> start(int n) {
    return start(n, Map.of());
  }

  /** Starts n members with extra cluster.xml values (e.g. a minimum cluster size). */
  public static List<ClusterNode.Member> start(int n, Map<String, String> extra) {
    String cluster = "poolgate-test-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ports.add(freePort());
    }
    String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<ClusterNode.Member> started = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      started.add(member(cluster, i, ports.get(i), members, extra));
    }
    awaitSafe(started);
    return started;
  }

  /**
   * Waits (up to 30 s) until every partition's replicas are in place: a test then starts from a
   * settled cluster, not one still migrating partitions to the members that just joined.
   */
  public static void awaitSafe(List<ClusterNode.Member> members) {
    long until = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < until
        && !members.stream().allMatch(m -> m.hz().getLifecycleService().isRunning()
            && m.hz().getPartitionService().isClusterSafe())) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * A cluster that grows: the first member starts alone; {@link Growing#add} starts the next one
   * of the {@code max} planned, which joins it.
   */
  public static Growing growing(int max) {
    String cluster = "poolgate-test-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < max; i++) {
      ports.add(freePort());
    }
    Growing g = new Growing(cluster, ports, new ArrayList<>());
    g.add();
    return g;
  }

  public record Growing(String cluster, List<Integer> ports, List<ClusterNode.Member> members) {
    /**
     * Joins the next planned port as an application member, the way
     * {@link dev.poolgate.api.PoolgateBusClient#joinCluster} joins one: a Vert.x app using the
     * event-bus API, no gateway.
     */
    public ClusterNode.Member addApplication() {
      int i = members.size();
      String all = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
      ClusterNode.Member m = await(ClusterNode.joinAsApplication(values(cluster, i, ports.get(i), all, Map.of())));
      members.add(m);
      return m;
    }

    public ClusterNode.Member add() {
      int i = members.size();
      String all = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
      ClusterNode.Member m = member(cluster, i, ports.get(i), all, Map.of());
      members.add(m);
      return m;
    }
  }

  private static ClusterNode.Member member(String cluster, int i, int port, String members, Map<String, String> extra) {
    return await(ClusterNode.join(ClusterConfig.load(Path.of(ClusterConfig.DEFAULT_FILE),
        values(cluster, i, port, members, extra))));
  }

  private static Map<String, String> values(String cluster, int i, int port, String members,
                                            Map<String, String> extra) {
    Map<String, String> values = new java.util.HashMap<>(Map.of(
        "POOLGATE_HZ_CLUSTER_NAME", cluster,
        "POOLGATE_HZ_INSTANCE_NAME", cluster + "-" + i,
        "POOLGATE_HZ_PORT", String.valueOf(port),
        "POOLGATE_HZ_MEMBERS", members,
        "POOLGATE_HZ_MAX_NO_HEARTBEAT_SECONDS", String.valueOf(MAX_NO_HEARTBEAT_SECONDS),
        "POOLGATE_HZ_JOIN_WAIT_SECONDS", "0"));
    values.putAll(extra);
    return values;
  }

  /** Leaves the cluster cleanly. */
  public static void stop(List<ClusterNode.Member> members) {
    for (ClusterNode.Member m : members) {
      try {
        await(m.vertx().close());
      } catch (RuntimeException e) {
        // already gone (killed by the test)
      }
    }
  }

  /** Kills a member the hard way: no clean leave, the others notice by failure detection. */
  /**
   * Terminates a member abruptly, once the cluster has settled: every partition's backup in place,
   * as in any cluster that has run for more than a few seconds. (Killed while partitions are still
   * migrating, right after start, a member can take both copies of an entry with it.)
   */
  public static void kill(ClusterNode.Member m) {
    awaitSafe(List.of(m));
    m.hz().getLifecycleService().terminate();
    try {
      m.vertx().close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing a Vert.x whose cluster manager is dead may fail: the node is gone either way
    }
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
