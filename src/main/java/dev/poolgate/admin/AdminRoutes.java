package dev.poolgate.admin;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.config.AdminConfig;
import dev.poolgate.config.ClientKeyConfig;
import dev.poolgate.config.YamlDocument;
import dev.poolgate.http.AdminAuth;
import dev.poolgate.http.ApiErrors;
import dev.poolgate.http.NoRouteHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The admin API, mounted under {@code /admin}: pools, instances, model aliases and client keys,
 * and the whole configuration as YAML. Every route is behind {@link AdminAuth}; JSON in and out;
 * errors in the OpenAI shape. Answers never carry an upstream secret ({@link Redaction}) nor a
 * client key, except the key a create generated, once. Each answer names the configuration
 * version it reflects in {@value #VERSION_HEADER}.
 */
public final class AdminRoutes {
  private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);
  public static final String VERSION_HEADER = "x-poolgate-config-version";
  public static final String KEY_PREFIX = "pg-";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final Supplier<AdminState> state;

  private AdminRoutes(Vertx vertx, Supplier<AdminState> state) {
    this.vertx = vertx;
    this.state = state;
  }

  /**
   * @param admin the current admin section (token)
   * @param state the node's admin state; null where the node runs without one (library use)
   */
  public static Router router(Vertx vertx, Supplier<AdminConfig> admin, Supplier<AdminState> state, long maxBodyBytes) {
    AdminRoutes routes = new AdminRoutes(vertx, state);
    Router r = Router.router(vertx);
    r.route().handler(AdminAuth.create(admin));
    r.route().handler(routes::available);
    r.put("/config").handler(AdminRoutes::configMediaType);
    r.route().handler(AdminRoutes::noForms);
    r.route().handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));

    r.get("/pools").handler(ctx -> routes.read(ctx, doc -> list(ConfigEdits.sectionOrEmpty(doc, "pools"),
        (name, pool) -> named(name, redactPool((JsonObject) pool)))));
    r.post("/pools").handler(ctx -> routes.create(ctx, body -> doc -> ConfigEdits.createPool(doc, body),
        (doc, body) -> named(ConfigEdits.nameOf(body, "name"), redactPool(ConfigEdits.pool(doc, body.getString("name"))))));
    r.get("/pools/:pool").handler(ctx -> routes.read(ctx, doc -> routes.poolView(ctx, doc)));
    r.put("/pools/:pool").handler(ctx -> routes.update(ctx, body -> doc -> ConfigEdits.replacePool(doc, pool(ctx), body),
        doc -> routes.poolView(ctx, doc)));
    r.patch("/pools/:pool").handler(ctx -> routes.update(ctx, body -> doc -> ConfigEdits.patchPool(doc, pool(ctx), body),
        doc -> routes.poolView(ctx, doc)));
    r.delete("/pools/:pool").handler(ctx -> routes.delete(ctx, doc -> ConfigEdits.deletePool(doc, pool(ctx))));

    r.get("/pools/:pool/instances").handler(ctx -> routes.read(ctx, doc -> {
      JsonArray data = new JsonArray();
      ConfigEdits.instances(doc, pool(ctx)).forEach(o -> data.add(Redaction.redactInstance((JsonObject) o)));
      return new JsonObject().put("data", data);
    }));
    r.post("/pools/:pool/instances").handler(ctx -> routes.create(ctx,
        body -> doc -> ConfigEdits.addInstance(doc, pool(ctx), body),
        (doc, body) -> Redaction.redactInstance(ConfigEdits.instance(doc, pool(ctx), body.getString("id")))));
    r.get("/pools/:pool/instances/:id").handler(ctx -> routes.read(ctx, doc -> routes.instanceView(ctx, doc)));
    r.put("/pools/:pool/instances/:id").handler(ctx -> routes.update(ctx,
        body -> doc -> ConfigEdits.replaceInstance(doc, pool(ctx), id(ctx), body), doc -> routes.instanceView(ctx, doc)));
    r.patch("/pools/:pool/instances/:id").handler(ctx -> routes.update(ctx,
        body -> doc -> ConfigEdits.patchInstance(doc, pool(ctx), id(ctx), body), doc -> routes.instanceView(ctx, doc)));
    r.delete("/pools/:pool/instances/:id").handler(ctx -> routes.delete(ctx,
        doc -> ConfigEdits.removeInstance(doc, pool(ctx), id(ctx))));
    // drain / undrain: the instance's `drained` flag, in the shared configuration, so every node's
    // scheduler stops (or resumes) giving it new requests; those in flight finish
    r.post("/pools/:pool/instances/:id/drain").handler(ctx -> routes.drain(ctx, true));
    r.post("/pools/:pool/instances/:id/undrain").handler(ctx -> routes.drain(ctx, false));

    r.get("/models").handler(ctx -> routes.read(ctx, doc -> list(ConfigEdits.sectionOrEmpty(doc, "models"),
        (name, m) -> named(name, ConfigEdits.model(doc, name)))));
    r.post("/models").handler(ctx -> routes.create(ctx, body -> doc -> ConfigEdits.createModel(doc, body),
        (doc, body) -> named(body.getString("name"), ConfigEdits.model(doc, body.getString("name")))));
    r.get("/models/:model").handler(ctx -> routes.read(ctx, doc -> modelView(ctx, doc)));
    r.put("/models/:model").handler(ctx -> routes.update(ctx,
        body -> doc -> ConfigEdits.replaceModel(doc, model(ctx), body), doc -> modelView(ctx, doc)));
    r.patch("/models/:model").handler(ctx -> routes.update(ctx,
        body -> doc -> ConfigEdits.patchModel(doc, model(ctx), body), doc -> modelView(ctx, doc)));
    r.delete("/models/:model").handler(ctx -> routes.delete(ctx, doc -> ConfigEdits.deleteModel(doc, model(ctx))));

    r.get("/keys").handler(ctx -> routes.read(ctx, doc -> list(ConfigEdits.sectionOrEmpty(doc, "keys"),
        (name, k) -> ConfigEdits.publicKey(name, (JsonObject) k))));
    r.post("/keys").handler(routes::createKey);
    r.get("/keys/:name").handler(ctx -> routes.read(ctx, doc -> keyView(ctx, doc)));
    r.put("/keys/:name").handler(ctx -> routes.update(ctx,
        body -> doc -> ConfigEdits.replaceKey(doc, keyName(ctx), body), doc -> keyView(ctx, doc)));
    r.patch("/keys/:name").handler(ctx -> routes.update(ctx,
        body -> doc -> ConfigEdits.patchKey(doc, keyName(ctx), body), doc -> keyView(ctx, doc)));
    r.delete("/keys/:name").handler(ctx -> routes.delete(ctx, doc -> ConfigEdits.deleteKey(doc, keyName(ctx))));

    r.get("/config").handler(routes::export);
    r.put("/config").handler(routes::importConfig);

    r.route().last().handler(NoRouteHandler.create(r));
    r.route().failureHandler(AdminRoutes::failure);
    return r;
  }

  private void available(RoutingContext ctx) {
    if (state.get() == null) {
      ctx.fail(ErrorKind.NOT_FOUND.exception("this node runs without the admin API"));
    } else {
      ctx.next();
    }
  }

  // ------------------------------------------------------------------ path parameters and views

  private static String pool(RoutingContext ctx) {
    return ctx.pathParam("pool");
  }

  private static String id(RoutingContext ctx) {
    return ctx.pathParam("id");
  }

  private static String model(RoutingContext ctx) {
    return ctx.pathParam("model");
  }

  private static String keyName(RoutingContext ctx) {
    return ctx.pathParam("name");
  }

  private JsonObject poolView(RoutingContext ctx, JsonObject doc) {
    return named(pool(ctx), redactPool(ConfigEdits.pool(doc, pool(ctx))));
  }

  private JsonObject instanceView(RoutingContext ctx, JsonObject doc) {
    return Redaction.redactInstance(ConfigEdits.instance(doc, pool(ctx), id(ctx)));
  }

  private static JsonObject modelView(RoutingContext ctx, JsonObject doc) {
    return named(model(ctx), ConfigEdits.model(doc, model(ctx)));
  }

  private static JsonObject keyView(RoutingContext ctx, JsonObject doc) {
    return ConfigEdits.publicKey(keyName(ctx), ConfigEdits.key(doc, keyName(ctx)));
  }

  private static JsonObject redactPool(JsonObject pool) {
    JsonObject out = pool.copy();
    if (out.getValue("instances") instanceof JsonArray list) {
      JsonArray redacted = new JsonArray();
      list.forEach(o -> redacted.add(o instanceof JsonObject i ? Redaction.redactInstance(i) : o));
      out.put("instances", redacted);
    }
    return out;
  }

  private static JsonObject named(String name, JsonObject body) {
    return new JsonObject().put("name", name).mergeIn(body);
  }

  private static JsonObject list(JsonObject section, java.util.function.BiFunction<String, Object, JsonObject> view) {
    JsonArray data = new JsonArray();
    section.forEach(e -> data.add(view.apply(e.getKey(), e.getValue())));
    return new JsonObject().put("data", data);
  }

  // ------------------------------------------------------------------ the four kinds of call

  private void read(RoutingContext ctx, Function<JsonObject, JsonObject> view) {
    ConfigDocument doc = state.get().document();
    try {
      send(ctx, 200, doc.version(), view.apply(doc.config().copy()));
    } catch (RuntimeException e) {
      ctx.fail(e);
    }
  }

  private void create(RoutingContext ctx, Function<JsonObject, UnaryOperator<JsonObject>> edit,
                      java.util.function.BiFunction<JsonObject, JsonObject, JsonObject> view) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    state.get().change(edit.apply(body))
        .onSuccess(doc -> respond(ctx, 201, doc, d -> view.apply(d, body)))
        .onFailure(ctx::fail);
  }

  private void update(RoutingContext ctx, Function<JsonObject, UnaryOperator<JsonObject>> edit,
                      Function<JsonObject, JsonObject> view) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    state.get().change(edit.apply(body)).onSuccess(doc -> respond(ctx, 200, doc, view)).onFailure(ctx::fail);
  }

  /** Drains or undrains an instance; no body needed. Answers with the instance. */
  private void drain(RoutingContext ctx, boolean drained) {
    state.get().change(doc -> ConfigEdits.drainInstance(doc, pool(ctx), id(ctx), drained))
        .onSuccess(doc -> respond(ctx, 200, doc, d -> instanceView(ctx, d))).onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx, UnaryOperator<JsonObject> edit) {
    state.get().change(edit).onSuccess(doc -> {
      ctx.response().setStatusCode(204).putHeader(VERSION_HEADER, Long.toString(doc.version())).end();
    }).onFailure(ctx::fail);
  }

  private static void respond(RoutingContext ctx, int status, ConfigDocument doc, Function<JsonObject, JsonObject> view) {
    try {
      send(ctx, status, doc.version(), view.apply(doc.config().copy()));
    } catch (RuntimeException e) {
      ctx.fail(e);
    }
  }

  /**
   * Creates a client key: a given {@code key} (at least 16 characters) or a generated one
   * ({@value #KEY_PREFIX} + 32 url-safe characters from a SecureRandom). Only its SHA-256 is
   * stored; the key is in this answer and nowhere else.
   */
  private void createKey(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    String key;
    String sha256;
    if (body.getValue("key_sha256") instanceof String given) {
      key = null;
      sha256 = given;
    } else if (body.getValue("key") != null) {
      key = String.valueOf(body.getValue("key"));
      if (key.length() < 16) {
        ctx.fail(ErrorKind.INVALID_CONFIG.exception("keys." + body.getValue("name")
            + ".key: a client key must be at least 16 characters"));
        return;
      }
      sha256 = ClientKeyConfig.sha256(key);
    } else {
      key = generateKey();
      sha256 = ClientKeyConfig.sha256(key);
    }
    state.get().change(doc -> ConfigEdits.createKey(doc, body, sha256)).onSuccess(doc -> respond(ctx, 201, doc, d -> {
      String name = body.getString("name");
      JsonObject shown = ConfigEdits.publicKey(name, ConfigEdits.key(d, name));
      return key == null ? shown : shown.put("key", key);
    })).onFailure(ctx::fail);
  }

  static String generateKey() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  // ------------------------------------------------------------------ export / import

  private void export(RoutingContext ctx) {
    ConfigDocument doc = state.get().document();
    JsonObject redacted = Redaction.redact(doc.config());
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (accept != null && accept.contains("application/json")) {
      send(ctx, 200, doc.version(), redacted);
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml")
        .putHeader(VERSION_HEADER, Long.toString(doc.version()))
        .end(toYaml(redacted));
  }

  /** The whole configuration from a YAML (or JSON) body, validated like the file, redaction markers kept. */
  private void importConfig(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      ctx.fail(ErrorKind.BAD_REQUEST.exception("the body must be the whole configuration, as YAML or JSON"));
      return;
    }
    vertx.executeBlocking(() -> YamlDocument.parse(body.toString(StandardCharsets.UTF_8), "the body"))
        .recover(e -> Future.failedFuture(ErrorKind.BAD_REQUEST.exception(e.getMessage())))
        .compose(config -> state.get().change(current -> config.copy()))
        .onSuccess(doc -> send(ctx, 200, doc.version(), new JsonObject().put("version", doc.version())))
        .onFailure(ctx::fail);
  }

  /** The media types PUT /admin/config reads; curl's default (a form) is not one of them. */
  static final List<String> CONFIG_MEDIA_TYPES = List.of("application/yaml", "application/x-yaml", "text/yaml",
      "text/x-yaml", "application/json");

  /** 415 before the body is read, naming the types it takes (a form body would be parsed as fields). */
  private static void configMediaType(RoutingContext ctx) {
    String type = mediaType(ctx);
    if (type != null && !CONFIG_MEDIA_TYPES.contains(type)) {
      ctx.fail(ErrorKind.UNSUPPORTED_MEDIA_TYPE.exception("send the configuration as application/yaml (or "
          + "application/json), not " + type + ": curl -H 'content-type: application/yaml' --data-binary @FILE"));
      return;
    }
    ctx.next();
  }

  /** The other admin routes take JSON: a form content type is refused before its body is parsed as fields. */
  private static void noForms(RoutingContext ctx) {
    String type = mediaType(ctx);
    if ("application/x-www-form-urlencoded".equals(type) || "multipart/form-data".equals(type)) {
      ctx.fail(ErrorKind.UNSUPPORTED_MEDIA_TYPE.exception("send the request as application/json, not " + type));
      return;
    }
    ctx.next();
  }

  /** The content type without parameters, lower case; null when there is none. */
  private static String mediaType(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (header == null || header.isBlank()) {
      return null;
    }
    int semicolon = header.indexOf(';');
    return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(java.util.Locale.ROOT);
  }

  static String toYaml(JsonObject json) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    return new Yaml(options).dump(plain(json));
  }

  private static Object plain(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> map = new LinkedHashMap<>();
      o.forEach(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (v instanceof JsonArray a) {
      List<Object> list = new ArrayList<>();
      a.forEach(x -> list.add(plain(x)));
      return list;
    }
    return v;
  }

  // ------------------------------------------------------------------ plumbing

  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body != null) {
        return body;
      }
    } catch (DecodeException | ClassCastException e) {
      // answered below
    }
    ctx.fail(ErrorKind.BAD_REQUEST.exception("the body must be a JSON object"));
    return null;
  }

  private static void send(RoutingContext ctx, int status, long version, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(VERSION_HEADER, Long.toString(version)).end(body.toBuffer());
  }

  private static void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    GatewayException error;
    if (t instanceof GatewayException g) {
      error = g;
    } else if (t instanceof HttpException h && h.getStatusCode() == 413) {
      error = ErrorKind.BODY_TOO_LARGE.exception("the request body is too large");
    } else if (t == null && ctx.statusCode() == 413) {
      error = ErrorKind.BODY_TOO_LARGE.exception("the request body is too large");
    } else {
      log.error("admin call {} {} failed", ctx.request().method(), ctx.request().path(), t);
      error = ErrorKind.INTERNAL.exception("internal error");
    }
    ApiErrors.send(ctx.response(), error);
  }
}
