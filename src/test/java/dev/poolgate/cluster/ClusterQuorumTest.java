package dev.poolgate.cluster;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes with {@code POOLGATE_HZ_MIN_CLUSTER_SIZE=2}, each in a JVM of its own: one alone stays up
 * and not ready, and answers 503 in the OpenAI error shape; once a second joins, both serve. And a
 * node started exactly as k8s/deployment.yaml starts it (its environment, k8s/config.yaml and
 * k8s/cluster.xml, with the Kubernetes DNS join swapped for a loopback member list) does the same.
 */
class ClusterQuorumTest {
  private static final Duration START = Duration.ofSeconds(90);
  @TempDir
  Path dir;
  private Vertx vertx;
  private FakeOpenAi fake;
  private final List<ChildNode> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    fake = await(FakeOpenAi.start(vertx));
  }

  @AfterEach
  void tearDown() {
    nodes.forEach(ChildNode::close);
    await(fake.stop());
    await(vertx.close());
  }

  @Test
  void aNodeAloneWaitsNotReadyUntilAQuorumFormsThenBothServe() throws IOException {
    JsonObject config = GatewayFixture.onePool(GatewayFixture.instance("a", fake, 2));
    config.getJsonObject("pools").getJsonObject("p").getJsonObject("queue").put("timeout_ms", 1_500);
    Path file = ChildNode.writeConfig(dir, "config", config);
    String cluster = "poolgate-quorum-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> hz = List.of(Ports.free(), Ports.free());
    List<Integer> http = List.of(Ports.free(), Ports.free());

    ChildNode first = start("first", file, quorumEnv(cluster, hz, http, 0));
    first.awaitReadiness(503, START);
    ChildNode.pause(2 * ChildNode.MAX_NO_HEARTBEAT_SECONDS * 1000L);
    assertTrue(first.alive(), "a node without quorum exited:\n" + first.logTail());
    assertEquals(503, first.readiness(), "a node without quorum reports ready");

    ChildNode.Answer refused = first.post(GatewayFixture.chat("no quorum yet"), Duration.ofSeconds(10));
    assertEquals(503, refused.status(), refused.body());
    assertEquals("cluster_store_unavailable", refused.json().getJsonObject("error").getString("code"));
    assertEquals(0, fake.requests(), "a node without quorum called the upstream");

    ChildNode second = start("second", file, quorumEnv(cluster, hz, http, 1));
    first.awaitReadiness(200, START);
    second.awaitReadiness(200, START);
    for (ChildNode node : nodes) {
      ChildNode.Answer served = node.post(GatewayFixture.chat("quorum"), Duration.ofSeconds(10));
      assertEquals(200, served.status(), served.body());
    }
    assertEquals(2, fake.requests());
  }

  @Test
  void theKubernetesSettingsStartAndServe() throws IOException {
    Path clusterXml = dir.resolve("cluster.xml");
    String k8s = Files.readString(Path.of("k8s/cluster.xml"));
    int join = k8s.indexOf("<tcp-ip enabled=\"false\"/>");
    int end = k8s.indexOf("</kubernetes>") + "</kubernetes>".length();
    assertTrue(join > 0 && end > join, "k8s/cluster.xml no longer has the kubernetes join this test swaps");
    Files.writeString(clusterXml, k8s.substring(0, join)
        + "<tcp-ip enabled=\"true\"><members>${POOLGATE_HZ_MEMBERS}</members></tcp-ip>" + k8s.substring(end));
    String cluster = "poolgate-k8s-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> hz = List.of(Ports.free(), Ports.free());
    List<Integer> http = List.of(Ports.free(), Ports.free());
    Map<String, String> deployment = deploymentEnv();
    assertEquals("2", deployment.get(ClusterConfig.MIN_CLUSTER_SIZE), "k8s/deployment.yaml no longer asks for a quorum");

    for (int i = 0; i < 2; i++) {
      Map<String, String> env = new HashMap<>(deployment);
      env.putAll(ChildNode.clusterEnv(cluster, hz.get(i), hz, http.get(i)));
      env.put(ClusterConfig.FILE_VARIABLE, clusterXml.toString());
      // what the pod's volumes and secrets give it
      env.put("POOLGATE_ADMIN_STATE_DIR", dir.resolve("state-" + i).toString());
      env.put("POOLGATE_USAGE_JDBC_URL", "jdbc:h2:file:" + dir.resolve("usage-" + i));
      env.put("POOLGATE_POOLS_SMALL_INSTANCES_0_BASE_URL", fake.baseUrl());
      ChildNode node = start("k8s-" + i, Path.of("k8s/config.yaml"), env);
      if (i == 0) {
        node.awaitReadiness(503, START);
      }
    }
    for (ChildNode node : nodes) {
      node.awaitReadiness(200, START);
      ChildNode.Answer served = node.post(new JsonObject().put("model", "gpt-4o-mini").put("messages",
          new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))),
          Duration.ofSeconds(10));
      assertEquals(200, served.status(), served.body());
    }
  }

  private ChildNode start(String name, Path config, Map<String, String> env) throws IOException {
    ChildNode node = ChildNode.start(name, config, env, Integer.parseInt(env.get("POOLGATE_SERVER_PORT")), dir);
    nodes.add(node);
    return node;
  }

  private static Map<String, String> quorumEnv(String cluster, List<Integer> hz, List<Integer> http, int i) {
    Map<String, String> env = ChildNode.clusterEnv(cluster, hz.get(i), hz, http.get(i));
    env.put(ClusterConfig.MIN_CLUSTER_SIZE, "2");
    return env;
  }

  /**
   * The container's environment from k8s/deployment.yaml, as the kubelet would set it on a pod at
   * 127.0.0.1: field references resolved, {@code $(VAR)} expanded, secrets given test values.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, String> deploymentEnv() throws IOException {
    Map<String, Object> deployment;
    try (Reader in = Files.newBufferedReader(Path.of("k8s/deployment.yaml"))) {
      deployment = new Yaml().load(in);
    }
    Map<String, Object> spec = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
        deployment.get("spec")).get("template")).get("spec");
    Map<String, Object> container = ((List<Map<String, Object>>) spec.get("containers")).get(0);
    Map<String, String> fields = Map.of("status.podIP", "127.0.0.1", "metadata.namespace", "default");
    Map<String, String> env = new HashMap<>();
    for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
      String name = (String) e.get("name");
      Object value = e.get("value");
      Map<String, Object> from = (Map<String, Object>) e.get("valueFrom");
      String resolved;
      if (value != null) {
        resolved = String.valueOf(value);
        for (Map.Entry<String, String> known : env.entrySet()) {
          resolved = resolved.replace("$(" + known.getKey() + ")", known.getValue());
        }
      } else if (from.containsKey("fieldRef")) {
        resolved = fields.get((String) ((Map<String, Object>) from.get("fieldRef")).get("fieldPath"));
      } else {
        resolved = "test-" + name.toLowerCase();
      }
      env.put(name, resolved);
    }
    return env;
  }
}
