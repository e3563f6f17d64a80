package dev.poolgate;

import com.hazelcast.config.Config;
import dev.poolgate.admin.AdminState;
import dev.poolgate.admin.HazelcastConfigStore;
import dev.poolgate.admin.LocalConfigStore;
import dev.poolgate.cluster.ClusterConfig;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.config.ConfigException;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.log.LogFormat;
import io.vertx.core.Future;
import dev.poolgate.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code java -jar poolgate.jar -c FILE [--cluster]}: starts one node on the config file, and
 * shuts it down gracefully on SIGTERM (drain, release, leave). With {@code --cluster} the node
 * joins the Hazelcast cluster of {@code cluster.xml} (or the file in {@code POOLGATE_CLUSTER_CONFIG})
 * and shares one ledger with the other nodes.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    String logFormat = LogFormat.problem(System.getenv(LogFormat.VARIABLE));
    if (logFormat != null) {
      usage(logFormat);
    }
    String configPath = "conf/config.yaml";
    boolean cluster = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "-c", "--config" -> {
          if (i + 1 >= args.length) {
            usage("-c needs a file");
          }
          configPath = args[++i];
        }
        case "--cluster" -> cluster = true;
        case "-h", "--help" -> usage(null);
        default -> usage("unknown argument " + args[i]);
      }
    }
    if (cluster) {
      runClustered(configPath);
    } else {
      runStandalone(configPath);
    }
  }

  private static void runStandalone(String path) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setMetricsOptions(GatewayMetrics.vertxMetricsOptions()));
    ConfigLoader loader = loader(vertx, path);
    if (loader == null) {
      return;
    }
    loader.loadRaw().compose(raw -> AdminState.open(vertx, raw, new LocalConfigStore(), System.getenv()))
        .compose(admin -> Gateway.start(vertx, admin)).onSuccess(gw -> {
      loader.watchRaw(gw.node().admin()::fileChanged);
      onSigterm(gw.config().server().drainTimeoutMs(), () -> gw.shutdown(gw.config().server().drainTimeoutMs())
          .eventually(vertx::close));
    }).onFailure(e -> fatal(vertx, e));
  }

  /**
   * Joins the Hazelcast cluster described by cluster.xml, then starts the node on the shared
   * ledger. A node whose config differs from the cluster's refuses to start (and leaves again).
   */
  private static void runClustered(String path) {
    Config hazelcast;
    LedgerOptions ledgerOptions;
    try {
      if (!Files.isRegularFile(Path.of(path))) {
        throw new ConfigException("config file", "'" + path + "' does not exist or is not a file");
      }
      hazelcast = ClusterConfig.load(ClusterConfig.defaultPath());
      ledgerOptions = ClusterConfig.ledgerOptions();
    } catch (ConfigException e) {
      fatal(null, e);
      return;
    }
    LedgerOptions options = ledgerOptions;
    ClusterNode.join(hazelcast).onFailure(e -> fatal(null, e)).onSuccess(member -> {
      ConfigLoader loader = loader(member.vertx(), path);
      if (loader == null) {
        return;
      }
      loader.loadRaw()
          .compose(raw -> AdminState.open(member.vertx(), raw, new HazelcastConfigStore(member.vertx(), member.hz()),
              System.getenv()))
          .compose(admin -> ClusterNode.start(member, admin, options)).onSuccess(node -> {
        loader.watchRaw(node.gateway().node().admin()::fileChanged);
        long drain = node.gateway().config().server().drainTimeoutMs();
        onSigterm(drain, () -> node.shutdown(drain));
      }).onFailure(e -> fatal(member.vertx(), e));
    });
  }

  private static ConfigLoader loader(Vertx vertx, String path) {
    try {
      return new ConfigLoader(vertx, path, ConfigLoader.DEFAULT_SCAN_PERIOD_MS);
    } catch (ConfigException e) {
      fatal(vertx, e);
      return null;
    }
  }

  /** On SIGTERM: drain, release, leave; the JVM waits for it at most the drain time plus a margin. */
  private static void onSigterm(long drainMs, Supplier<Future<Void>> shutdown) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: draining requests in flight");
      CountDownLatch latch = new CountDownLatch(1);
      long started = System.nanoTime();
      shutdown.get().onComplete(ar -> {
        if (ar.succeeded()) {
          log.info("stopped: requests in flight drained and slots released ({} ms)",
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } else {
          log.warn("stopped: the shutdown did not complete cleanly: {}", ar.cause().toString());
        }
        latch.countDown();
      });
      try {
        if (!latch.await(drainMs + 10_000, TimeUnit.MILLISECONDS)) {
          log.warn("stopped: the shutdown took longer than the drain time plus 10 s; exiting anyway");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      writeOutLogs();
    }, "poolgate-shutdown"));
  }

  /** The console appender writes from its own thread: stopping Logback writes out the last lines. */
  private static void writeOutLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
      logback.stop();
    }
  }

  private static void fatal(Vertx vertx, Throwable e) {
    String msg = e instanceof ConfigException ? "invalid configuration: " + e.getMessage() : "start-up failed: " + e;
    log.error(msg);
    System.err.println("poolgate: " + msg);
    if (vertx == null) {
      writeOutLogs();
      System.exit(2);
    }
    vertx.close().onComplete(ar -> {
      writeOutLogs();
      System.exit(2);
    });
  }

  private static void usage(String problem) {
    if (problem != null) {
      System.err.println("poolgate: " + problem);
    }
    System.err.println("usage: java -jar poolgate.jar -c FILE [--cluster]");
    System.exit(problem == null ? 0 : 2);
  }
}
