package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.NodeState;
import dev.poolgate.bus.Bus;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.dispatch.Dispatcher;
import dev.poolgate.dispatch.Job;
import dev.poolgate.provider.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The HTTP front door: OpenAI routes, LLM-Pools' {@code /api/v1/chat}, LLM-API-BalancedCall's
 * {@code /llm/...}, models and health. Parses and validates, then hands the request to the
 * {@link Dispatcher}; every failure leaves in the OpenAI error shape.
 */
public final class IngressVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IngressVerticle.class);
  public static final String X_REQUEST_ID = "x-request-id";
  public static final String X_PRIORITY = "x-priority";
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final String REQUEST_ID_KEY = "poolgate.requestId";

  private final NodeState node;
  private volatile GatewayConfig config;
  private Dispatcher dispatcher;
  private MessageConsumer<GatewayConfig> configConsumer;
  private HttpServer server;

  public IngressVerticle(GatewayConfig config, NodeState node) {
    this.config = config;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    dispatcher = new Dispatcher(vertx, () -> config);
    configConsumer = vertx.eventBus().localConsumer(Bus.CONFIG_CHANGED, msg -> config = msg.body());
    var opts = config.server();
    this.server = vertx.createHttpServer(new HttpServerOptions()
            .setHost(opts.host())
            .setPort(opts.port())
            .setIdleTimeout(opts.idleTimeoutSeconds())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            .setMaxHeaderSize(16 * 1024)
            .setMaxInitialLineLength(8 * 1024))
        .requestHandler(router(opts.maxBodyBytes(), opts.requestTimeoutMs()));
    return configConsumer.completion().compose(v -> this.server.listen());
  }

  @Override
  public Future<?> stop() {
    return Future.join(configConsumer.unregister(), server.close());
  }

  /** The port actually bound (for tests that listen on port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router(long maxBodyBytes, long requestTimeoutMs) {
    Router router = Router.router(vertx);
    router.route().handler(this::requestId);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    BodyDeadlineHandler bodyTimeout = new BodyDeadlineHandler(vertx, requestTimeoutMs);
    router.post("/v1/chat/completions").handler(bodyTimeout).handler(body).handler(ctx -> serve(ctx, Endpoint.CHAT));
    router.post("/v1/completions").handler(bodyTimeout).handler(body).handler(ctx -> serve(ctx, Endpoint.COMPLETIONS));
    router.post("/api/v1/chat").handler(bodyTimeout).handler(body).handler(ctx -> serve(ctx, Endpoint.CHAT));
    router.post("/llm/chat").handler(bodyTimeout).handler(body).handler(ctx -> serve(ctx, Endpoint.CHAT, LlmApi.CHAT));
    router.post("/llm/chat/stream").handler(bodyTimeout).handler(body)
        .handler(ctx -> serve(ctx, Endpoint.CHAT, LlmApi.STREAM));
    router.get("/llm/models").handler(ctx -> json(ctx, 200, LlmApi.models(config)));
    router.get("/v1/models").handler(this::models);
    router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
    router.get("/health/ready").handler(this::ready);
    router.route().last().handler(ctx -> ctx.fail(ErrorKind.NOT_FOUND.exception(
        "no route for " + ctx.request().method() + " " + ctx.request().path())));
    router.route().failureHandler(this::failure);
    return router;
  }

  private void requestId(RoutingContext ctx) {
    String id = ctx.request().getHeader(X_REQUEST_ID);
    if (id == null || !SAFE_ID.matcher(id).matches()) {
      id = UUID.randomUUID().toString();
    }
    ctx.put(REQUEST_ID_KEY, id);
    ctx.response().putHeader(X_REQUEST_ID, id);
    ctx.next();
  }

  private void serve(RoutingContext ctx, Endpoint endpoint) {
    serve(ctx, endpoint, ApiShape.OPENAI);
  }

  private void serve(RoutingContext ctx, Endpoint endpoint, ApiShape shape) {
    BodyDeadlineHandler.bodyReceived(vertx, ctx);
    if (node.draining()) {
      ctx.fail(ErrorKind.SHUTTING_DOWN.exception("this node is shutting down; retry on another"));
      return;
    }
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
      ctx.fail(ErrorKind.UNSUPPORTED_MEDIA_TYPE.exception("send the request as application/json, not " + contentType));
      return;
    }
    GatewayConfig cfg = config;
    Job job = RequestParser.parse(ctx.get(REQUEST_ID_KEY), endpoint,
        shape.request(RequestParser.json(ctx.body().buffer()), cfg), cfg.models(), ctx.request().getHeader(X_PRIORITY));
    node.requestStarted();
    dispatcher.dispatch(job, shape.sink(ctx.response()))
        .onComplete(ar -> node.requestEnded());
  }

  private void models(RoutingContext ctx) {
    JsonArray data = new JsonArray();
    config.models().keySet().forEach(name -> data.add(new JsonObject()
        .put("id", name).put("object", "model").put("created", 0).put("owned_by", "poolgate")));
    json(ctx, 200, new JsonObject().put("object", "list").put("data", data));
  }

  private void ready(RoutingContext ctx) {
    boolean ready = node.ready();
    json(ctx, ready ? 200 : 503, new JsonObject().put("status", ready ? "ready" : node.draining() ? "draining" : "starting"));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer());
  }

  /** The one place a failure becomes a response. */
  private void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    GatewayException error;
    if (t instanceof GatewayException g) {
      error = g;
    } else if (t instanceof HttpException h || ctx.statusCode() > 0) {
      int status = t instanceof HttpException h2 ? h2.getStatusCode() : ctx.statusCode();
      error = switch (status) {
        case 413 -> ErrorKind.BODY_TOO_LARGE.exception("the request body is larger than "
            + config.server().maxBodyBytes() + " bytes");
        case 408 -> ErrorKind.REQUEST_TIMEOUT.exception("the request was not received in time");
        case 405 -> ErrorKind.METHOD_NOT_ALLOWED.exception("method " + ctx.request().method() + " is not allowed here");
        case 404 -> ErrorKind.NOT_FOUND.exception("no route for " + ctx.request().path());
        case 400 -> ErrorKind.BAD_REQUEST.exception("bad request");
        default -> ErrorKind.INTERNAL.exception("internal error");
      };
    } else {
      log.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), t);
      error = ErrorKind.INTERNAL.exception("internal error");
    }
    ApiErrors.send(ctx.response(), error);
  }
}
