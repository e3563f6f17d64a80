package dev.poolgate.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import dev.poolgate.Gateway;
import dev.poolgate.admin.AdminState;
import dev.poolgate.config.ConfigException;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.keys.HazelcastKeyLimiter;
import dev.poolgate.ledger.HazelcastSlotLedger;
import dev.poolgate.ledger.LedgerOptions;
import io.vertx.core.Future;
import dev.poolgate.cache.HazelcastResponseCache;
import dev.poolgate.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * One clustered poolgate node: a Vert.x clustered with Hazelcast, the shared ledger and a full
 * gateway on it. Shutting down drains requests, releases the node's slots, then leaves.
 */
public final class ClusterNode {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  /** Host this node's clustered event bus binds and advertises. */
  public static final String EVENTBUS_HOST = "POOLGATE_EVENTBUS_HOST";
  /** Port of the clustered event bus (0: any free port). */
  public static final String EVENTBUS_PORT = "POOLGATE_EVENTBUS_PORT";

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final HazelcastSlotLedger ledger;
  private final Gateway gateway;

  private ClusterNode(Vertx vertx, HazelcastInstance hz, HazelcastSlotLedger ledger, Gateway gateway) {
    this.vertx = vertx;
    this.hz = hz;
    this.ledger = ledger;
    this.gateway = gateway;
  }

  /** A clustered Vert.x with its Hazelcast member, joined to the cluster. */
  public record Member(Vertx vertx, HazelcastInstance hz) {}

  /** Starts a Hazelcast member with the given config and a clustered Vert.x on it. */
  public static Future<Member> join(Config hazelcastConfig) {
    return join(hazelcastConfig, new VertxOptions().setMetricsOptions(GatewayMetrics.vertxMetricsOptions()));
  }

  /**
   * Joins an application — a Vert.x app that calls the event-bus API with
   * {@link dev.poolgate.api.PoolgateBusClient} — to the cluster of {@code cluster.xml} (or the file in
   * {@value ClusterConfig#FILE_VARIABLE}) as a lite member ({@link ClusterConfig#loadApplication}):
   * it shares the event bus but holds no ledger data and takes on no gateway duty.
   *
   * @param overrides cluster.xml values, e.g. its own {@code POOLGATE_HZ_PORT}
   */
  public static Future<Member> joinAsApplication(Map<String, String> overrides) {
    Config config;
    try {
      config = ClusterConfig.loadApplication(ClusterConfig.defaultPath(), overrides);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return join(config, new VertxOptions());
  }

  private static Future<Member> join(Config hazelcastConfig, VertxOptions options) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig);
    options.setEventBusOptions(new EventBusOptions()
        .setHost(eventBusHost(hazelcastConfig))
        .setPort(Integer.parseInt(setting(EVENTBUS_PORT, "0"))));
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
        .map(vertx -> new Member(vertx, manager.getHazelcastInstance()));
  }

  /**
   * The address other members reach this node's event bus on (grant notices, the chat API):
   * {@value #EVENTBUS_HOST} if set (in Kubernetes: the pod IP), else the interface Hazelcast binds.
   */
  private static String eventBusHost(Config config) {
    var interfaces = config.getNetworkConfig().getInterfaces();
    String fallback = interfaces.isEnabled() && !interfaces.getInterfaces().isEmpty()
        ? interfaces.getInterfaces().iterator().next() : "127.0.0.1";
    return setting(EVENTBUS_HOST, fallback);
  }

  private static String setting(String name, String fallback) {
    String value = System.getProperty(name, System.getenv(name));
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  /**
   * Starts the gateway of a joined member: checks its config against the cluster's, creates the
   * shared ledger and probes only the instances assigned to this member.
   */
  public static Future<ClusterNode> start(Member member, GatewayConfig config, LedgerOptions options) {
    return start(member, config, options, true);
  }

  /** As {@link #start(Member, GatewayConfig, LedgerOptions)}; {@code http} false serves no HTTP (library use). */
  public static Future<ClusterNode> start(Member member, GatewayConfig config, LedgerOptions options, boolean http) {
    Vertx vertx = member.vertx();
    HazelcastInstance hz = member.hz();
    if (!GatewayMembers.isGateway(hz.getCluster().getLocalMember())) {
      // its leases would name a node no other gateway counts, and be purged at the next membership change
      return Future.failedFuture(new ConfigException("cluster", "this Hazelcast member is not a poolgate gateway:"
          + " a gateway is a data (not lite) member with the attribute " + GatewayMembers.ROLE_ATTRIBUTE + "="
          + GatewayMembers.GATEWAY + "; load its config with ClusterConfig.load or pass it to"
          + " ClusterConfig.markGateway"));
    }
    return ConfigFingerprint.check(vertx, hz, config)
        .compose(v -> HazelcastSlotLedger.create(vertx, hz, options))
        .compose(ledger -> HazelcastKeyLimiter.create(vertx, hz).compose(keyLimiter -> Gateway.start(vertx, config,
            ledger, new HazelcastResponseCache(vertx, hz), keyLimiter, new ProbeAssignment(hz.getCluster()), http))
            .compose(gw -> ClusterMembers.register(vertx, hz, http ? gw.config().server().host() + ":"
                + gw.config().server().port() : null, gw.node().startedAt()).map(gw))
            .map(gw -> {
              log.info("cluster node {} ready, {} gateway members{} (GET /cluster/members lists them)", ledger.nodeId(),
                  GatewayMembers.nodeIds(hz.getCluster()).size(), ledger.available() ? ""
                      : "; not ready until a quorum of " + ClusterConfig.minClusterSize(hz.getConfig())
                      + " gateway members forms");
              return new ClusterNode(vertx, hz, ledger, gw);
            }));
  }

  /**
   * Starts the gateway of a joined member on the configuration its admin state decided (the
   * cluster's admin document, or this node's persisted one if newer, or the file), and applies
   * every later change. An admin document is the cluster's by construction, so it is recorded as
   * the cluster's config hash before the usual check.
   */
  public static Future<ClusterNode> start(Member member, AdminState admin, LedgerOptions options) {
    GatewayConfig config = admin.config();
    Future<Void> recorded = admin.version() > 0 ? ConfigFingerprint.update(member.vertx(), member.hz(), config)
        : Future.succeededFuture();
    return recorded.compose(v -> start(member, config, options, true)).map(node -> {
      admin.bind(config, node::apply);
      node.gateway().node().admin(admin);
      return node;
    });
  }

  /** The Hazelcast member under a clustered Vert.x, or null if it is not clustered with Hazelcast. */
  public static HazelcastInstance hazelcastOf(Vertx vertx) {
    if (vertx instanceof io.vertx.core.internal.VertxInternal internal
        && internal.clusterManager() instanceof HazelcastClusterManager manager) {
      return manager.getHazelcastInstance();
    }
    return null;
  }

  public Vertx vertx() {
    return vertx;
  }

  public HazelcastInstance hazelcast() {
    return hz;
  }

  public HazelcastSlotLedger ledger() {
    return ledger;
  }

  public Gateway gateway() {
    return gateway;
  }

  /** Applies a reloaded config here and records it as the cluster's. */
  public void apply(GatewayConfig next) {
    gateway.apply(next);
    ConfigFingerprint.update(vertx, hz, next)
        .onFailure(e -> log.warn("recording the new config hash in the cluster failed: {}", e.toString()));
  }

  /**
   * Drains requests, undeploys (the scheduler closes the ledger, which releases what is still
   * held), and only then leaves the cluster by closing Vert.x.
   */
  public Future<Void> shutdown(long drainTimeoutMs) {
    return gateway.shutdown(drainTimeoutMs)
        .eventually(() -> ClusterMembers.unregister(vertx, hz).recover(e -> Future.succeededFuture()))
        .eventually(vertx::close);
  }
}
