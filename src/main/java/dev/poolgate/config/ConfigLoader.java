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
 * Reads the YAML config file (vertx-config-yaml), substitutes environment variables and
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
    ConfigStoreOptions store = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", path));
    this.retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().addStore(store).setIncludeDefaultStores(false).setScanPeriod(scanPeriodMs));
  }

  /** Overrides {@code server.port}: runs several nodes on one config file (make run-cluster). */
  public static final String PORT_VARIABLE = "POOLGATE_SERVER_PORT";

  /** Parses and validates raw config JSON, as read from YAML. */
  public static GatewayConfig parse(JsonObject raw) {
    return parse(raw, System.getenv());
  }

  static GatewayConfig parse(JsonObject raw, Map<String, String> env) {
    JsonObject json = EnvSubstitution.apply(raw, env);
    String port = env.get(PORT_VARIABLE);
    if (port != null && !port.isBlank()) {
      JsonObject server = json.getValue("server") instanceof JsonObject o ? o : new JsonObject();
      try {
        json.put("server", server.copy().put("port", Integer.parseInt(port.trim())));
      } catch (NumberFormatException e) {
        throw new ConfigException(PORT_VARIABLE, "must be a port number, got '" + port + "'");
      }
    }
    return GatewayConfig.fromJson(json);
  }

  public Future<GatewayConfig> load() {
    return retriever.getConfig().map(ConfigLoader::parse);
  }

  /** Calls the listener with each valid new config after the file changes. */
  public void watch(Consumer<GatewayConfig> listener) {
    retriever.listen((ConfigChange change) -> {
      try {
        GatewayConfig next = parse(change.getNewConfiguration());
        log.info("config file changed: applying the new configuration");
        listener.accept(next);
      } catch (ConfigException e) {
        log.error("config file changed but is invalid, keeping the running configuration: {}", e.getMessage());
      }
    });
  }

  public void close() {
    retriever.close();
  }
}
