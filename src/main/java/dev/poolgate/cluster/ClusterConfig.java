package dev.poolgate.cluster;

import com.hazelcast.config.Config;
import dev.poolgate.ledger.LedgerOptions;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.config.XmlConfigBuilder;
import dev.poolgate.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * Loads {@code cluster.xml} and fills in its {@code ${POOLGATE_HZ_*}} placeholders from (last
 * wins) the defaults here, the environment, system properties of the same name, and explicit
 * overrides (tests run several members in one JVM this way).
 */
public final class ClusterConfig {
  public static final String DEFAULT_FILE = "cluster.xml";
  /** Environment variable or system property naming another file than {@link #DEFAULT_FILE}. */
  public static final String FILE_VARIABLE = "POOLGATE_CLUSTER_CONFIG";
  public static final String MIN_CLUSTER_SIZE = "POOLGATE_HZ_MIN_CLUSTER_SIZE";
  /** The split-brain protection of cluster.xml guarding the ledger and the client key limits. */
  public static final String QUORUM_NAME = "poolgate-ledger-quorum";

  private static final Map<String, String> DEFAULTS = Map.of(
      "POOLGATE_HZ_CLUSTER_NAME", "poolgate",
      "POOLGATE_HZ_PORT", "5701",
      "POOLGATE_HZ_INTERFACE", "127.0.0.1",
      "POOLGATE_HZ_MEMBERS", "127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703",
      "POOLGATE_HZ_HEARTBEAT_SECONDS", "1",
      "POOLGATE_HZ_MAX_NO_HEARTBEAT_SECONDS", "5",
      "POOLGATE_HZ_JOIN_WAIT_SECONDS", "1",
      "POOLGATE_HZ_OP_TIMEOUT_MS", "5000",
      // only k8s/cluster.xml uses it: DNS name of the headless service listing the members
      "POOLGATE_HZ_SERVICE_DNS", "poolgate-hz.default.svc.cluster.local",
      MIN_CLUSTER_SIZE, "1");

  private ClusterConfig() {
  }

  /** The file named by {@link #FILE_VARIABLE}, else {@code ./cluster.xml}. */
  public static Path defaultPath() {
    String named = System.getProperty(FILE_VARIABLE, System.getenv(FILE_VARIABLE));
    return Path.of(named != null ? named : DEFAULT_FILE);
  }

  /** Loads the file with the environment and system properties. */
  public static Config load(Path file) {
    return load(file, Map.of());
  }

  /**
   * Loads the file with the environment, system properties and the given overrides, as the config
   * of a gateway node: a data member marked {@code poolgate.role=gateway} with a fresh node id,
   * whose ledger quorum counts gateway members only ({@link GatewayQuorum}).
   *
   * @throws ConfigException if the file is missing or a value is invalid
   */
  public static Config load(Path file, Map<String, String> overrides) {
    return markGateway(read(file, overrides));
  }

  /**
   * Makes a Hazelcast config (e.g. one a library user builds for a clustered Vert.x) the config
   * of a gateway node: the {@code poolgate.role=gateway} attribute, a fresh {@code poolgate.node}
   * id, and a ledger quorum that counts gateway members only. Returns the same config.
   */
  public static Config markGateway(Config config) {
    config.getMemberAttributeConfig()
        .setAttribute(GatewayMembers.ROLE_ATTRIBUTE, GatewayMembers.GATEWAY)
        .setAttribute(GatewayMembers.NODE_ATTRIBUTE, UUID.randomUUID().toString());
    SplitBrainProtectionConfig quorum = config.getSplitBrainProtectionConfigs().get(QUORUM_NAME);
    if (quorum != null && quorum.isEnabled()) {
      quorum.setFunctionImplementation(new GatewayQuorum(quorum.getMinimumClusterSize()));
    }
    return config;
  }

  /**
   * The same file as the config of an application member: a Vert.x app that joins the cluster to
   * call the event-bus API. It joins as a Hazelcast lite member marked
   * {@code poolgate.role=application}: it owns no partitions (so no ledger entry lives on it or runs
   * its operations), and no gateway duty — probing, the quorum, lease purges — counts it. Its
   * Hazelcast port is {@code POOLGATE_HZ_PORT} like a node's, so give it one of its own.
   */
  public static Config loadApplication(Path file, Map<String, String> overrides) {
    Config config = read(file, overrides);
    config.setLiteMember(true);
    config.getMemberAttributeConfig().setAttribute(GatewayMembers.ROLE_ATTRIBUTE, GatewayMembers.APPLICATION);
    return config;
  }

  /** The minimum number of gateway members the ledger needs (1: no quorum) in a loaded config. */
  public static int minClusterSize(Config config) {
    SplitBrainProtectionConfig quorum = config.getSplitBrainProtectionConfigs().get(QUORUM_NAME);
    return quorum == null || !quorum.isEnabled() ? 1 : quorum.getMinimumClusterSize();
  }

  private static Config read(Path file, Map<String, String> overrides) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("cluster config", "'" + file + "' does not exist or is not a file");
    }
    Properties props = properties(overrides);
    try (InputStream in = Files.newInputStream(file)) {
      // the ledger's operations travel in poolgate's own compact form: every member needs the factory
      return dev.poolgate.ledger.hazelcast.LedgerWire.register(new XmlConfigBuilder(in).setProperties(props).build());
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("cluster config", "cannot load '" + file + "': " + e.getMessage());
    }
  }

  static Properties properties(Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    values.put("POOLGATE_HZ_INSTANCE_NAME", "poolgate-" + UUID.randomUUID().toString().substring(0, 8));
    for (String name : Map.copyOf(values).keySet()) {
      String env = System.getenv(name);
      if (env != null && !env.isBlank()) {
        values.put(name, env);
      }
      String sys = System.getProperty(name);
      if (sys != null && !sys.isBlank()) {
        values.put(name, sys);
      }
    }
    values.putAll(overrides);
    int minSize = minClusterSize(values.get(MIN_CLUSTER_SIZE));
    // Hazelcast refuses a split-brain protection smaller than 2: size 1 means "off"
    values.put("POOLGATE_HZ_QUORUM_ENABLED", String.valueOf(minSize >= 2));
    values.put("POOLGATE_HZ_QUORUM_SIZE", String.valueOf(Math.max(2, minSize)));
    Properties props = new Properties();
    props.putAll(values);
    return props;
  }

  /** Instances with at least this cap hand slots to nodes for their local fast path; 0 turns that off. */
  public static final String ALLOT_MIN_CAP = "POOLGATE_HZ_ALLOT_MIN_CAP";

  /**
   * The clustered ledger's options: the defaults, with the allotment threshold from
   * {@value #ALLOT_MIN_CAP} (environment variable or system property; 0 keeps every request on the
   * shared path, e.g. to have round-by-round strict priority order at the cost of a store round
   * trip per request).
   */
  public static LedgerOptions ledgerOptions() {
    String value = System.getProperty(ALLOT_MIN_CAP, System.getenv(ALLOT_MIN_CAP));
    if (value == null || value.isBlank()) {
      return LedgerOptions.DEFAULT;
    }
    try {
      int minCap = Integer.parseInt(value.trim());
      if (minCap >= 0) {
        return LedgerOptions.DEFAULT.withAllotMinCap(minCap);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException(ALLOT_MIN_CAP, "must be a whole number >= 0 (0: no allotted slots), got '" + value + "'");
  }

  private static int minClusterSize(String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException(MIN_CLUSTER_SIZE, "must be a whole number >= 1, got '" + value + "'");
  }
}
