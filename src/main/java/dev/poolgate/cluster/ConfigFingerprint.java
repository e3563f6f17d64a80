package dev.poolgate.cluster;

import com.hazelcast.core.HazelcastInstance;
import dev.poolgate.config.ConfigException;
import dev.poolgate.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * All nodes of a cluster share one ledger, so they must run the same pools, caps and routing. The
 * first node records the hash of its configuration in the cluster; a node whose hash differs
 * refuses to start. The {@code server} section is left out: each node listens on its own port.
 */
public final class ConfigFingerprint {
  public static final String MAP_NAME = "poolgate-meta";
  public static final String KEY = "config-hash";

  private ConfigFingerprint() {
  }

  /** SHA-256 of everything but the server section, after environment substitution. */
  public static String of(GatewayConfig c) {
    String canonical = "pools=" + c.pools() + "\nmodels=" + c.models() + "\nhealth=" + c.health()
        + "\nretry=" + c.retry();
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Records the hash if the cluster has none; fails with a clear message if it has another. */
  public static Future<Void> check(Vertx vertx, HazelcastInstance hz, GatewayConfig config) {
    String mine = of(config);
    return vertx.executeBlocking(() -> hz.<String, String>getMap(MAP_NAME).putIfAbsent(KEY, mine))
        .compose(theirs -> theirs == null || theirs.equals(mine)
            ? Future.succeededFuture()
            : Future.failedFuture(new ConfigException("config", "this node's configuration (hash "
                + mine.substring(0, 12) + ") differs from the one the cluster runs (hash " + theirs.substring(0, 12)
                + "); start every node with the same pools, models, health and retry settings "
                + "(only server.* may differ)")));
  }

  /** Records a configuration every node switched to (hot reload), so later joiners must match it. */
  public static Future<Void> update(Vertx vertx, HazelcastInstance hz, GatewayConfig config) {
    String mine = of(config);
    return vertx.executeBlocking(() -> {
      hz.<String, String>getMap(MAP_NAME).set(KEY, mine);
      return null;
    });
  }
}
