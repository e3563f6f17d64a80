package dev.poolgate;

import dev.poolgate.config.ConfigException;
import dev.poolgate.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar poolgate.jar -c FILE [--cluster]}: starts one node on the config file, and
 * shuts it down gracefully on SIGTERM (drain, release, leave).
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
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
      usage("--cluster is not available in this build");
    }
    Vertx vertx = Vertx.vertx(new VertxOptions());
    String path = configPath;
    ConfigLoader loader;
    try {
      loader = new ConfigLoader(vertx, path, ConfigLoader.DEFAULT_SCAN_PERIOD_MS);
    } catch (ConfigException e) {
      fatal(vertx, e);
      return;
    }
    Future<Gateway> started = loader.load().compose(config -> Gateway.start(vertx, config));
    started.onSuccess(gw -> {
      loader.watch(gw::apply);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, gw), "poolgate-shutdown"));
    }).onFailure(e -> fatal(vertx, e));
  }

  private static void shutdown(Vertx vertx, Gateway gw) {
    log.info("shutting down: draining requests in flight");
    CountDownLatch latch = new CountDownLatch(1);
    long drain = gw.config().server().drainTimeoutMs();
    gw.shutdown(drain).eventually(vertx::close).onComplete(ar -> latch.countDown());
    try {
      latch.await(drain + 10_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void fatal(Vertx vertx, Throwable e) {
    String msg = e instanceof ConfigException ? "invalid configuration: " + e.getMessage() : "start-up failed: " + e;
    log.error(msg);
    System.err.println("poolgate: " + msg);
    vertx.close().onComplete(ar -> System.exit(2));
  }

  private static void usage(String problem) {
    if (problem != null) {
      System.err.println("poolgate: " + problem);
    }
    System.err.println("usage: java -jar poolgate.jar -c FILE [--cluster]");
    System.exit(problem == null ? 0 : 2);
  }
}
