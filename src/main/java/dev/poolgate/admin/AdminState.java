package dev.poolgate.admin;

import dev.poolgate.ErrorKind;
import dev.poolgate.config.ConfigException;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The configuration document a node runs and how it changes at run time.
 *
 * <p>Rule (see ARCHITECTURE, "Admin API"): the admin document, once there is one, supersedes the
 * config file. At start the node takes the highest version among its persisted copy
 * ({@code admin.state_dir/config.json}) and the store's (the cluster's); if there is neither it
 * runs the file (version 0). While an admin document is in force, edits of the file are logged
 * and ignored. Environment variables apply on top of whichever document is in force. The
 * {@code server} section and {@code admin.state_dir} are the node's own (each node listens and
 * keeps its state where its file and environment say): they always come from the file and are
 * never part of the admin document.
 *
 * <p>An admin change reads the stored document and version, edits a copy, validates the whole
 * result exactly like the file ({@code ${ENV}}, overrides, {@link GatewayConfig#fromJson}) and
 * stores it with compare-and-set, retrying the edit on a conflict. Every node applies each new
 * version once (the store tells it) and persists it off the event loop.
 */
public final class AdminState {
  private static final Logger log = LoggerFactory.getLogger(AdminState.class);
  static final int MAX_ATTEMPTS = 20;

  private final Vertx vertx;
  private final ConfigStore store;
  private final Map<String, String> env;
  private final Path stateDir;
  /** The node-local part of the file: its server section and admin.state_dir. */
  private JsonObject fileServer;
  /** The document in force here, with this node's server section. */
  private ConfigDocument applied;
  private GatewayConfig config;
  private Consumer<GatewayConfig> applier;
  private long persisted;

  private AdminState(Vertx vertx, ConfigStore store, Map<String, String> env, Path stateDir, JsonObject fileServer,
                     ConfigDocument applied, GatewayConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.env = env;
    this.stateDir = stateDir;
    this.fileServer = fileServer;
    this.applied = applied;
    this.config = config;
    this.persisted = applied.version();
  }

  /**
   * Decides the document in force from the file's raw document, the persisted copy in the file's
   * {@code admin.state_dir} and the store. Fails with a {@link ConfigException} naming the key
   * when the chosen document is invalid.
   */
  public static Future<AdminState> open(Vertx vertx, JsonObject fileRaw, ConfigStore store, Map<String, String> env) {
    GatewayConfig fileConfig;
    try {
      fileConfig = ConfigLoader.parse(fileRaw, env);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    ConfigLoader.logUnmatched(fileRaw, env);
    Path stateDir = fileConfig.admin().stateDir() == null ? null : Path.of(fileConfig.admin().stateDir());
    ConfigDocument file = ConfigDocument.of(ConfigDocument.FILE_VERSION, fileRaw);
    Future<ConfigDocument> persisted = stateDir == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> StateFile.read(stateDir));
    return persisted
        .compose(saved -> saved == null ? store.current() : store.adopt(saved))
        .map(stored -> {
          JsonObject server = serverOf(file.config());
          ConfigDocument doc = stored == null ? file : local(stored, server);
          GatewayConfig config = doc.fromAdmin() ? parseStored(doc, env) : fileConfig;
          AdminState state = new AdminState(vertx, store, env, stateDir, server, doc, config);
          if (doc.fromAdmin()) {
            log.info("admin configuration version {} is in force (it supersedes the config file)", doc.version());
          }
          store.listen(state::stored);
          return state;
        })
        .compose(state -> state.persist(shared(state.document())).map(state));
  }

  /** The node-local keys of a document: {@code {"server": ..., "state_dir": ...}}, either may be absent. */
  private static JsonObject serverOf(JsonObject config) {
    JsonObject local = new JsonObject();
    if (config.getValue("server") instanceof JsonObject s) {
      local.put("server", s.copy());
    }
    if (config.getValue("admin") instanceof JsonObject a && a.getValue("state_dir") != null) {
      local.put("state_dir", a.getValue("state_dir"));
    }
    return local;
  }

  /** A shared (stored) document with this node's server section and state directory. */
  private static ConfigDocument local(ConfigDocument shared, JsonObject nodeLocal) {
    JsonObject config = new JsonObject();
    if (nodeLocal.getValue("server") != null) {
      config.put("server", nodeLocal.getJsonObject("server").copy()); // first, where a file usually has it
    }
    config.mergeIn(shared(shared).config());
    if (nodeLocal.getValue("state_dir") != null) {
      JsonObject admin = config.getValue("admin") instanceof JsonObject a ? a : new JsonObject();
      config.put("admin", admin.put("state_dir", nodeLocal.getValue("state_dir")));
    }
    return ConfigDocument.of(shared.version(), config);
  }

  /** What the store and the state file hold: everything but the node-local keys. */
  private static ConfigDocument shared(ConfigDocument local) {
    JsonObject config = local.config().copy();
    config.remove("server");
    if (config.getValue("admin") instanceof JsonObject admin) {
      admin.remove("state_dir");
      if (admin.isEmpty()) {
        config.remove("admin");
      }
    }
    return ConfigDocument.of(local.version(), config);
  }

  private static GatewayConfig parseStored(ConfigDocument doc, Map<String, String> env) {
    try {
      return ConfigLoader.parse(doc.config(), env);
    } catch (ConfigException e) {
      throw new ConfigException(e.key(), e.problem() + " (in the admin configuration version " + doc.version() + ")");
    }
  }

  /**
   * Starts applying changes: {@code applier} gets every new configuration. {@code started} is the
   * one the node started with; if a newer one arrived meanwhile it is applied at once.
   */
  public void bind(GatewayConfig started, Consumer<GatewayConfig> applier) {
    GatewayConfig now;
    synchronized (this) {
      this.applier = applier;
      now = config;
    }
    if (now != started) {
      applier.accept(now);
    }
  }

  public synchronized GatewayConfig config() {
    return config;
  }

  /** The document in force on this node and its version. */
  public synchronized ConfigDocument document() {
    return applied;
  }

  public synchronized long version() {
    return applied.version();
  }

  /**
   * One admin change: edit, validate, compare-and-set, retried on conflict. Completes with the
   * stored document once it is applied on this node; fails with a {@link dev.poolgate.GatewayException}
   * (404, 409, 400 naming the key).
   */
  public Future<ConfigDocument> change(UnaryOperator<JsonObject> edit) {
    return change(edit, MAX_ATTEMPTS);
  }

  private Future<ConfigDocument> change(UnaryOperator<JsonObject> edit, int attempts) {
    return store.current().compose(stored -> {
      ConfigDocument base;
      synchronized (this) {
        base = stored != null ? local(stored, fileServer) : applied;
      }
      JsonObject edited = edit.apply(base.config().copy());
      ConfigDocument next;
      try {
        next = shared(ConfigDocument.of(base.version() + 1, Redaction.restore(edited, base.config())));
        ConfigLoader.parse(local(next, fileServer).config(), env);
      } catch (ConfigException e) {
        return Future.failedFuture(ErrorKind.INVALID_CONFIG.exception(e.getMessage()));
      }
      long expected = stored == null ? ConfigDocument.FILE_VERSION : stored.version();
      return store.compareAndSet(expected, next).compose(done -> {
        if (done) {
          stored(next);
          return Future.succeededFuture(next);
        }
        if (attempts <= 1) {
          return Future.failedFuture(ErrorKind.CONFLICT.exception("the configuration kept changing under this "
              + "request; try again"));
        }
        return change(edit, attempts - 1);
      });
    });
  }

  /** A document stored by any node: applied once, in version order, then persisted. */
  private void stored(ConfigDocument shared) {
    GatewayConfig next;
    Consumer<GatewayConfig> apply;
    ConfigDocument doc;
    synchronized (this) {
      if (shared.version() <= applied.version()) {
        return;
      }
      doc = local(shared, fileServer);
      try {
        next = ConfigLoader.parse(doc.config(), env);
      } catch (ConfigException e) {
        // valid where it was made, invalid with this node's environment: keep running the last good one
        log.error("admin configuration version {} is invalid on this node, keeping version {}: {}", doc.version(),
            applied.version(), e.getMessage());
        return;
      }
      applied = doc;
      config = next;
      apply = applier;
    }
    log.info("applying admin configuration version {}", doc.version());
    if (apply != null) {
      apply.accept(next);
    }
    persist(shared).onFailure(e -> log.error("persisting admin configuration version {} failed: {}", doc.version(),
        e.toString()));
  }

  /** Writes an admin document to the state directory, off the event loop; never an older one over a newer. */
  private Future<Void> persist(ConfigDocument doc) {
    if (stateDir == null || !doc.fromAdmin()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      synchronized (StateFile.class) {
        if (doc.version() > persisted || readOnDisk() < doc.version()) {
          StateFile.write(stateDir, doc);
          persisted = Math.max(persisted, doc.version());
        }
      }
      return null;
    }, false);
  }

  private long readOnDisk() {
    ConfigDocument onDisk = StateFile.read(stateDir);
    return onDisk == null ? ConfigDocument.FILE_VERSION : onDisk.version();
  }

  /**
   * The config file changed. While an admin document is in force the file is ignored (logged);
   * otherwise a valid file is applied as before.
   */
  public void fileChanged(JsonObject raw) {
    GatewayConfig next;
    Consumer<GatewayConfig> apply;
    synchronized (this) {
      if (applied.fromAdmin()) {
        log.warn("config file changed but admin configuration version {} is in force: the file is ignored "
            + "(PUT /admin/config to replace the configuration)", applied.version());
        return;
      }
      try {
        next = ConfigLoader.parse(raw, env);
      } catch (ConfigException e) {
        log.error("config file changed but is invalid, keeping the running configuration: {}", e.getMessage());
        return;
      }
      applied = ConfigDocument.of(ConfigDocument.FILE_VERSION, raw);
      fileServer = serverOf(applied.config());
      config = next;
      apply = applier;
    }
    log.info("config file changed: applying the new configuration");
    if (apply != null) {
      apply.accept(next);
    }
  }

  public Future<Void> close() {
    return store.close();
  }
}
