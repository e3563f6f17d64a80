package dev.poolgate.k8s;

import com.hazelcast.config.Config;
import dev.poolgate.cluster.ClusterConfig;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.config.EnvSubstitution;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.http.IngressVerticle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manifests in k8s/ against what the code reads: ports, probe paths, files, env names, services. */
class K8sManifestTest {
  private static final Path K8S = Path.of("k8s");
  private static Map<String, Object> container;
  private static Map<String, Object> podSpec;
  private static List<Map<String, Object>> services;
  private static Map<String, String> env;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    Map<String, Object> deployment = yaml("deployment.yaml").get(0);
    podSpec = (Map<String, Object>) at(deployment, "spec", "template", "spec");
    container = ((List<Map<String, Object>>) podSpec.get("containers")).get(0);
    services = yaml("service.yaml");
    env = new HashMap<>();
    for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
      env.put((String) e.get("name"), e.get("value") == null ? null : String.valueOf(e.get("value")));
    }
  }

  @Test
  void containerPortAndProbesMatchTheServer() throws IOException {
    GatewayConfig config = gatewayConfig();
    assertEquals(config.server().port(), port("http"));
    assertEquals(IngressVerticle.READINESS_PATH, at(container, "readinessProbe", "httpGet", "path"));
    assertEquals(IngressVerticle.LIVENESS_PATH, at(container, "livenessProbe", "httpGet", "path"));
    assertEquals("0.0.0.0", config.server().host(), "pods must listen beyond loopback");
  }

  @Test
  void mountedFilesAreTheOnesTheNodeReads() throws IOException {
    List<?> args = (List<?>) container.get("args");
    String configPath = (String) args.get(args.indexOf("-c") + 1);
    assertTrue(args.contains("--cluster"));
    String mount = mountPath("config");
    assertEquals(mount + "/config.yaml", configPath);
    assertEquals(mount + "/cluster.xml", env.get(ClusterConfig.FILE_VARIABLE));
    String kustomization = Files.readString(K8S.resolve("kustomization.yaml"));
    assertTrue(kustomization.contains("- config.yaml") && kustomization.contains("- cluster.xml"),
        "the ConfigMap carries both files");
    assertTrue(Files.isRegularFile(K8S.resolve("config.yaml")) && Files.isRegularFile(K8S.resolve("cluster.xml")));
  }

  @Test
  void hazelcastJoinsThroughTheHeadlessService() {
    Map<String, Object> headless = services.stream()
        .filter(s -> "None".equals(at(s, "spec", "clusterIP"))).findFirst().orElseThrow();
    String name = (String) at(headless, "metadata", "name");
    assertTrue(env.get("POOLGATE_HZ_SERVICE_DNS").startsWith(name + "."), "DNS lookup names the headless service");
    Map<String, String> values = new HashMap<>();
    values.put("POOLGATE_HZ_SERVICE_DNS", name + ".default.svc.cluster.local");
    values.put("POOLGATE_HZ_INTERFACE", "10.0.0.7");
    Config hz = ClusterConfig.load(K8S.resolve("cluster.xml"), values);
    var k8sJoin = hz.getNetworkConfig().getJoin().getKubernetesConfig();
    assertTrue(k8sJoin.isEnabled());
    assertEquals(name + ".default.svc.cluster.local", k8sJoin.getProperty("service-dns"));
    assertEquals(String.valueOf(port("hazelcast")), k8sJoin.getProperty("service-port"));
    assertEquals(hz.getNetworkConfig().getPort(), port("hazelcast"));
  }

  @Test
  void everyEnvironmentVariableIsOneTheCodeReads() throws IOException {
    List<String> known = new ArrayList<>(List.of(ClusterConfig.FILE_VARIABLE, ClusterNode.EVENTBUS_HOST,
        "JAVA_OPTS", "POD_IP", "POD_NAMESPACE"));
    String clusterXml = Files.readString(K8S.resolve("cluster.xml"));
    Matcher m = Pattern.compile("\\$\\{(POOLGATE_[A-Z_]+)}").matcher(clusterXml);
    while (m.find()) {
      known.add(m.group(1));
    }
    known.add("POOLGATE_HZ_MIN_CLUSTER_SIZE");
    known.addAll(envReferences(Files.readString(K8S.resolve("config.yaml"))));
    for (String name : env.keySet()) {
      assertTrue(known.contains(name), name + " is set in the Deployment but read by nothing");
    }
    for (String needed : envReferences(Files.readString(K8S.resolve("config.yaml")))) {
      assertTrue(env.containsKey(needed), "config.yaml needs " + needed + " but the Deployment does not set it");
    }
  }

  @Test
  void adminStateAndUsageRecordsAreWrittenOnTheWritableStateVolume() throws IOException {
    String state = mountPath("state");
    GatewayConfig cfg = gatewayConfig();
    assertTrue(cfg.admin().enabled(), "the admin API is on, its token from the Secret");
    assertTrue(cfg.admin().stateDir().startsWith(state + "/"), cfg.admin().stateDir());
    assertTrue(cfg.usage().jdbcUrl().startsWith("jdbc:h2:file:" + state + "/"), cfg.usage().jdbcUrl());
  }

  @Test
  @SuppressWarnings("unchecked")
  void everySecretTheDeploymentReadsIsInTheSecret() throws IOException {
    Map<String, Object> secret = new Yaml().load(Files.readString(K8S.resolve("secret.yaml")));
    Map<String, Object> data = (Map<String, Object>) secret.get("stringData");
    for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
      Object ref = e.get("valueFrom") instanceof Map<?, ?> from ? from.get("secretKeyRef") : null;
      if (ref instanceof Map<?, ?> r) {
        assertEquals(at(secret, "metadata", "name"), r.get("name"));
        assertTrue(data.containsKey((String) r.get("key")), "the Secret has " + r.get("key"));
      }
    }
  }

  @Test
  void drainFitsInTheTerminationGracePeriod() throws IOException {
    long grace = ((Number) podSpec.get("terminationGracePeriodSeconds")).longValue() * 1000;
    List<?> preStop = (List<?>) at(container, "lifecycle", "preStop", "exec", "command");
    long pause = Long.parseLong(String.valueOf(preStop.get(preStop.size() - 1))) * 1000;
    assertTrue(pause + gatewayConfig().server().drainTimeoutMs() < grace,
        "preStop pause + drain time must end before Kubernetes kills the pod");
  }

  private static GatewayConfig gatewayConfig() throws IOException {
    Map<String, Object> raw = new Yaml().load(Files.readString(K8S.resolve("config.yaml")));
    Map<String, String> fakeEnv = new HashMap<>();
    envReferences(Files.readString(K8S.resolve("config.yaml"))).forEach(n -> fakeEnv.put(n, "set-from-the-secret-0123456789"));
    return GatewayConfig.fromJson(EnvSubstitution.apply(new JsonObject(raw), fakeEnv));
  }

  private static List<String> envReferences(String text) {
    List<String> names = new ArrayList<>();
    Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)").matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  @SuppressWarnings("unchecked")
  private static int port(String name) {
    for (Map<String, Object> p : (List<Map<String, Object>>) container.get("ports")) {
      if (name.equals(p.get("name"))) {
        return ((Number) p.get("containerPort")).intValue();
      }
    }
    throw new AssertionError("no container port named " + name);
  }

  @SuppressWarnings("unchecked")
  private static String mountPath(String volume) {
    for (Map<String, Object> v : (List<Map<String, Object>>) container.get("volumeMounts")) {
      if (volume.equals(v.get("name"))) {
        return (String) v.get("mountPath");
      }
    }
    throw new AssertionError("no mount of volume " + volume);
  }

  @SuppressWarnings("unchecked")
  private static Object at(Map<String, Object> map, String... path) {
    Object cur = map;
    for (String p : path) {
      cur = ((Map<String, Object>) cur).get(p);
    }
    return cur;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> yaml(String file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(Files.readString(K8S.resolve(file)))) {
      docs.add((Map<String, Object>) doc);
    }
    return docs;
  }
}
