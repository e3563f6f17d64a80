package dev.poolgate.config;

import io.vertx.config.ConfigChange;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the YAML config file ({@link YamlDocument}, through vertx-config's file store), substitutes environment variables and
 * validates it; watches the file and hands every valid new version to a listener. An invalid edit
 * is logged and ignored: the node keeps running on the last good config.
 */
public final class ConfigLoader {
  private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
  public static final long DEFAULT_SCAN_PERIOD_MS = 2_000;

  private final ConfigRetriever retriever;

  public ConfigLoader(Vertx vertx, String path, long scanPeriodMs) {
    if (!Files.isRegularFile(Path.of(path))) {
      throw new ConfigException("config file", "'" + path + "' does not exist or is not a file");
    }
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat(YamlFileProcessor.FORMAT)
        .setConfig(new JsonObject().put("path", path));
    this.retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().addStore(store).setIncludeDefaultStores(false).setScanPeriod(scanPeriodMs));
  }

  /** Overrides {@code server.port}: runs several nodes on one config file (make run-cluster). */
  public static final String PORT_VARIABLE = "POOLGATE_SERVER_PORT";

  /** Parses and validates raw config JSON, as read from YAML, with this process's environment. */
  public static GatewayConfig parse(JsonObject raw) {
    return parse(raw, System.getenv());
  }

  /**
   * Precedence: {@code ${VAR}} substitution inside values first, then {@code POOLGATE_*} variables
   * override keys ({@link EnvOverrides}), then validation. An invalid value set by a variable is
   * reported with the key and the variable.
   */
  public static GatewayConfig parse(JsonObject raw, Map<String, String> env) {
    EnvOverrides.Result overridden = EnvOverrides.apply(EnvSubstitution.apply(raw, env), env);
    try {
      return GatewayConfig.fromJson(overridden.config());
    } catch (ConfigException e) {
      String variable = overridden.variableOf(e.key());
      if (variable == null) {
        throw e;
      }
      throw new ConfigException(e.key(), e.problem() + " (set by environment variable " + variable + ")");
    }
  }

  /** The {@code POOLGATE_*} variables that name no config key: logged at start so a typo is seen. */
  public static void logUnmatched(JsonObject raw, Map<String, String> env) {
    EnvOverrides.Result r = EnvOverrides.apply(EnvSubstitution.apply(raw, env), env);
    r.applied().forEach(a -> log.info("config key {} set by environment variable {}", a.key(), a.variable()));
    r.unmatched().forEach(v -> log.warn("environment variable {} names no config key: ignored", v));
  }

  /** The file as read (YAML → JSON), before substitution and validation. */
  public Future<JsonObject> loadRaw() {
    return retriever.getConfig();
  }

  public Future<GatewayConfig> load() {
    return retriever.getConfig().map(ConfigLoader::parse);
  }

  /** Calls the listener with each valid new config after the file changes. */
  public void watch(Consumer<GatewayConfig> listener) {
    watchRaw(raw -> {
      try {
        GatewayConfig next = parse(raw);
        log.info("config file changed: applying the new configuration");
        listener.accept(next);
      } catch (ConfigException e) {
        log.error("config file changed but is invalid, keeping the running configuration: {}", e.getMessage());
      }
    });
  }

  /** Calls the listener with the raw document each time the file changes (not validated). */
  public void watchRaw(Consumer<JsonObject> listener) {
    retriever.listen((ConfigChange change) -> listener.accept(change.getNewConfiguration()));
  }

  public void close() {
    retriever.close();
  }
}
