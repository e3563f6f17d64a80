package dev.poolgate.http;

import dev.poolgate.Ids;
import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.NodeState;
import dev.poolgate.bus.Bus;
import dev.poolgate.config.ClientKeyConfig;
import dev.poolgate.admin.AdminRoutes;
import dev.poolgate.config.ConfigException;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.console.ConsoleRoutes;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.config.ProviderCatalog;
import dev.poolgate.config.ServerConfig;
import dev.poolgate.dispatch.Dispatcher;
import dev.poolgate.dispatch.Job;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.keys.KeyPermit;
import dev.poolgate.keys.KeyRing;
import dev.poolgate.metrics.AccessLog;
import dev.poolgate.metrics.RequestTrace;
import dev.poolgate.scheduling.Ticket;
import dev.poolgate.provider.Endpoint;
import dev.poolgate.provider.Protocol;
import dev.poolgate.protocol.TokenCounter;
import dev.poolgate.usage.UsageClient;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
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
  /** Liveness: 200 while the process serves HTTP (the Kubernetes liveness probe). */
  public static final String LIVENESS_PATH = OpsRoutes.LIVENESS_PATH;
  /** Readiness: 200 once started, 503 while starting or draining (the readiness probe). */
  public static final String READINESS_PATH = OpsRoutes.READINESS_PATH;
  /** The OpenAPI 3 document of every route. */
  public static final String OPENAPI_PATH = OpsRoutes.OPENAPI_PATH;
  /** A page rendering the OpenAPI document. */
  public static final String DOCS_PATH = OpsRoutes.DOCS_PATH;
  /** All header lines of a request together; more is answered 431. */
  static final int MAX_HEADER_BYTES = 16 * 1024;
  /** The request line (method, URI, version); longer is answered 414. */
  static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final String REQUEST_ID_KEY = "poolgate.requestId";
  /** Set once a request's access line is written outside the dispatcher. */
  private static final String ACCESS_LOGGED_KEY = "poolgate.accessLogged";
  /** Azure OpenAI's deployment route prefix; {@code api-version} and the {@code api-key} header are accepted. */
  static final String AZURE_DEPLOYMENT = "/openai/deployments/:deployment";
  /** Anthropic's Messages route: its failures leave in the Anthropic error shape. */
  private static final String MESSAGES_PATH = "/v1/messages";
  /** Anthropic's token counting. */
  static final String COUNT_TOKENS_PATH = MESSAGES_PATH + "/count_tokens";
  /** The request id Anthropic's SDKs read (beside {@code x-request-id}) on Anthropic routes. */
  static final String REQUEST_ID = "request-id";
  /** OpenAI's Responses API. */
  static final String RESPONSES_PATH = "/v1/responses";

  private final NodeState node;
  private volatile GatewayConfig config;
  private volatile KeyRing keyRing;
  private Dispatcher dispatcher;
  private MessageConsumer<GatewayConfig> configConsumer;
  private HttpServer server;
  private Router router;
  private ApiDocs docs;

  public IngressVerticle(GatewayConfig config, NodeState node) {
    this.config = config;
    this.keyRing = KeyRing.of(config.keys());
    this.node = node;
  }

  @Override
  public Future<?> start() {
    dispatcher = new Dispatcher(vertx, () -> config, node.cache(), node.metrics(), node.usage(),
        node.liveRequests());
    configConsumer = vertx.eventBus().localConsumer(Bus.CONFIG_CHANGED, msg -> {
      config = msg.body();
      keyRing = KeyRing.of(msg.body().keys());
    });
    var opts = config.server();
    HeadDeadline heads = new HeadDeadline(vertx, opts.requestTimeoutMs(), opts.idleTimeoutSeconds() * 1000L);
    this.router = router(heads, opts.maxBodyBytes(), opts.requestTimeoutMs());
    this.server = vertx.createHttpServer(new HttpServerOptions()
            .setHost(opts.host())
            .setPort(opts.port())
            .setIdleTimeout(opts.idleTimeoutSeconds())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            // no h2c: it holds a new connection back until it sees whether the client speaks
            // HTTP/2, and HeadDeadline must see the connection from its first byte
            .setHttp2ClearTextEnabled(false)
            .setMaxHeaderSize(MAX_HEADER_BYTES)
            .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES))
        .connectionHandler(conn -> {
          heads.connected(conn);
          // a client resetting its connection is routine: not worth an error line per connection
          conn.exceptionHandler(t -> log.debug("connection from {}: {}", conn.remoteAddress(), t.toString()));
        })
        .invalidRequestHandler(IngressVerticle::invalidRequest)
        .requestHandler(router);
    // the tokenizer's tables load once, off the event loop, before the first count needs them
    vertx.executeBlocking(() -> {
      TokenCounter.warmUp();
      return null;
    }, false).onFailure(e -> log.warn("loading the tokenizer for count_tokens failed: {}", e.toString()));
    return ApiDocs.load(vertx).andThen(ar -> docs = ar.result())
        .compose(d -> configConsumer.completion())
        .compose(v -> this.server.listen())
        .recover(e -> Future.failedFuture(e instanceof java.net.BindException ? portInUse(opts, e) : e));
  }

  /** A port that cannot be bound, said with the address and how to pick another. */
  static ConfigException portInUse(ServerConfig server, Throwable cause) {
    return new ConfigException("server.port", server.host() + ":" + server.port() + " cannot be bound ("
        + cause.getMessage() + "): another process (another poolgate?) listens there; pick another port with "
        + ConfigLoader.PORT_VARIABLE + "=" + (server.port() + 1) + " or server.port in the config file");
  }

  @Override
  public Future<?> stop() {
    return Future.join(configConsumer.unregister(), server.close());
  }

  /** The port actually bound (for tests that listen on port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The routes served (tests check each is documented in openapi.json). */
  Router router() {
    return router;
  }

  private Router router(HeadDeadline heads, long maxBodyBytes, long requestTimeoutMs) {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      heads.headReceived(ctx);
      ctx.next();
    });
    router.route().handler(this::requestId);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    BodyDeadlineHandler bodyTimeout = new BodyDeadlineHandler(vertx, requestTimeoutMs);
    // every request route checks the client key first; ops routes (health, metrics) stay open
    ClientAuth auth = new ClientAuth(() -> keyRing, false);
    router.post("/v1/chat/completions").handler(auth).handler(bodyTimeout).handler(body)
        .handler(ctx -> serve(ctx, Endpoint.CHAT));
    router.post("/v1/completions").handler(auth).handler(bodyTimeout).handler(body)
        .handler(ctx -> serve(ctx, Endpoint.COMPLETIONS));
    router.post("/api/v1/chat").handler(auth).handler(bodyTimeout).handler(body).handler(ctx -> serve(ctx, Endpoint.CHAT));
    router.post("/v1/embeddings").handler(auth).handler(bodyTimeout).handler(body)
        .handler(ctx -> serve(ctx, Endpoint.EMBEDDINGS));
    // Azure OpenAI's own paths, so Azure SDKs work unchanged: the deployment name is the model name
    ClientAuth azureAuth = new ClientAuth(() -> keyRing, true);
    for (Endpoint endpoint : List.of(Endpoint.CHAT, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS)) {
      router.post(AZURE_DEPLOYMENT + endpoint.path()).handler(azureAuth).handler(bodyTimeout).handler(body)
          .handler(ctx -> serve(ctx, endpoint));
    }
    // Azure's Responses API paths (the SDKs' legacy and v1 modes)
    for (String path : List.of(AZURE_DEPLOYMENT + "/responses", "/openai/v1/responses")) {
      router.post(path).handler(azureAuth).handler(bodyTimeout).handler(body).handler(this::serveResponses);
    }
    router.post(MESSAGES_PATH).handler(auth).handler(bodyTimeout).handler(body).handler(this::serveMessages);
    router.post(COUNT_TOKENS_PATH).handler(auth).handler(bodyTimeout).handler(body).handler(this::countTokens);
    router.post(RESPONSES_PATH).handler(auth).handler(bodyTimeout).handler(body).handler(this::serveResponses);
    router.post("/llm/chat").handler(auth).handler(bodyTimeout).handler(body)
        .handler(ctx -> serve(ctx, Endpoint.CHAT, LlmApi.CHAT));
    router.post("/llm/chat/stream").handler(auth).handler(bodyTimeout).handler(body)
        .handler(ctx -> serve(ctx, Endpoint.CHAT, LlmApi.STREAM));
    router.get("/llm/models").handler(auth)
        .handler(ctx -> OpsRoutes.json(ctx, 200, LlmApi.models(config, ClientAuth.key(ctx))));
    router.get("/v1/models").handler(auth).handler(this::models);
    new OpsRoutes(vertx, () -> config, node, () -> docs).mount(router);
    ConsoleRoutes.mount(vertx, router, node::console);
    // before the admin sub-router, which would answer 404 for a path it does not know
    router.get(UsageHandler.PATH).handler(AdminAuth.create(() -> config.admin())).handler(new UsageHandler(
        node.usage(), config.usage().shared(), new UsageClient(vertx, UsageClient.DEFAULT_TIMEOUT_MS), Clock.systemUTC()));
    router.route("/admin/*").subRouter(AdminRoutes.router(vertx, () -> config.admin(), node::admin, maxBodyBytes));
    router.route().last().handler(NoRouteHandler.create(router));
    router.route().failureHandler(this::failure);
    return router;
  }

  private void requestId(RoutingContext ctx) {
    String id = ctx.request().getHeader(X_REQUEST_ID);
    if (id == null || !SAFE_ID.matcher(id).matches()) {
      id = Ids.next();
    }
    ctx.put(REQUEST_ID_KEY, id);
    ctx.response().putHeader(X_REQUEST_ID, id);
    if (anthropicPath(ctx.request().path())) {
      ctx.response().putHeader(REQUEST_ID, id);
    }
    ctx.next();
  }

  private void serve(RoutingContext ctx, Endpoint endpoint) {
    serve(ctx, endpoint, ApiShape.OPENAI);
  }

  private void serve(RoutingContext ctx, Endpoint endpoint, ApiShape shape) {
    if (!admit(ctx)) {
      return;
    }
    GatewayConfig cfg = config;
    ClientKeyConfig key = ClientAuth.key(ctx);
    JsonObject json = shape.request(RequestParser.json(ctx.body().buffer()), cfg);
    String deployment = ctx.pathParam("deployment");
    if (deployment != null) {
      json.put("model", deployment);
    }
    Job job = RequestParser.parse(ctx.get(REQUEST_ID_KEY), endpoint, json, cfg.models(),
        ctx.request().getHeader(X_PRIORITY), defaultPriority(key));
    authorize(key, job);
    if (cfg.pools().get(job.pool()).instances().stream()
        .noneMatch(i -> ProviderCatalog.serves(i.adapter(), endpoint))) {
      ctx.fail(ErrorKind.BAD_REQUEST.exception("model '" + job.model() + "' (pool " + job.pool()
          + ") has no instance that serves " + ctx.request().path()));
      return;
    }
    dispatch(ctx, job, shape.sink(ctx.response()), key);
  }

  /** Anthropic clients: same pools, caps and queue; the answer comes back in the Anthropic shape. */
  private void serveMessages(RoutingContext ctx) {
    if (!admit(ctx)) {
      return;
    }
    ClientKeyConfig key = ClientAuth.key(ctx);
    Job job = MessagesParser.parse(ctx.get(REQUEST_ID_KEY), RequestParser.json(ctx.body().buffer()),
        config.models(), ctx.request().getHeader(X_PRIORITY), defaultPriority(key));
    authorize(key, job);
    dispatch(ctx, job, new HttpReplySink(ctx.response(), Protocol.ANTHROPIC), key);
  }

  /**
   * Responses API clients: same pools, caps and queue; OpenAI and Azure instances take the request
   * as it is, every other instance gets it through chat completions ({@code ProtocolBridge}).
   */
  private void serveResponses(RoutingContext ctx) {
    if (!admit(ctx)) {
      return;
    }
    ClientKeyConfig key = ClientAuth.key(ctx);
    JsonObject body = RequestParser.json(ctx.body().buffer());
    String deployment = ctx.pathParam("deployment");
    if (deployment != null) {
      body.put("model", deployment);
    }
    Job job = ResponsesParser.parse(ctx.get(REQUEST_ID_KEY), body, config.models(),
        ctx.request().getHeader(X_PRIORITY), defaultPriority(key));
    authorize(key, job);
    dispatch(ctx, job, new HttpReplySink(ctx.response(), Protocol.RESPONSES), key);
  }

  /**
   * Anthropic's {@code messages.countTokens}: through the pool to an Anthropic instance when the
   * model's pool has one (same slots, queue and retries as any request), else counted here with a
   * real tokenizer ({@link TokenCounter}), off the event loop, without a slot.
   */
  private void countTokens(RoutingContext ctx) {
    if (!admit(ctx)) {
      return;
    }
    GatewayConfig cfg = config;
    ClientKeyConfig key = ClientAuth.key(ctx);
    Job job = MessagesParser.countTokens(ctx.get(REQUEST_ID_KEY), RequestParser.json(ctx.body().buffer()),
        cfg.models(), ctx.request().getHeader(X_PRIORITY), defaultPriority(key));
    authorize(key, job);
    if (cfg.pools().get(job.pool()).instances().stream()
        .anyMatch(i -> ProviderCatalog.serves(i.adapter(), Endpoint.COUNT_TOKENS))) {
      dispatch(ctx, job, new HttpReplySink(ctx.response(), Protocol.ANTHROPIC), key);
      return;
    }
    RequestTrace trace = Dispatcher.traceOf(job, loggedPath(ctx));
    if (key != null) {
      trace.clientKey(key.name());
    }
    // counted among the node's requests, so a draining node waits for it like for any other
    node.requestStarted();
    vertx.executeBlocking(() -> TokenCounter.count(job.body()), false)
        .onSuccess(tokens -> {
          trace.finished(200, null);
          AccessLog.write(trace);
          ctx.put(ACCESS_LOGGED_KEY, true);
          OpsRoutes.json(ctx, 200, new JsonObject().put("input_tokens", tokens));
        })
        .onFailure(ctx::fail)
        .onComplete(ar -> node.requestEnded());
  }

  /** Anthropic's routes: their answers carry {@code request-id}, their failures the Anthropic shape. */
  private static boolean anthropicPath(String path) {
    return path != null && (path.equals(MESSAGES_PATH) || path.startsWith(MESSAGES_PATH + "/"));
  }

  private static int defaultPriority(ClientKeyConfig key) {
    return key == null ? Ticket.MIN_PRIORITY : key.defaultPriority();
  }

  /**
   * What the client key allows: the model (or its pool), and the priority. A request that asked
   * for no priority has the key's default, which the config keeps within its maximum, so only a
   * priority the caller asked for can be above it.
   */
  static void authorize(ClientKeyConfig key, Job job) {
    if (key == null) {
      return;
    }
    if (!key.allows(job.model(), job.pool())) {
      throw ErrorKind.FORBIDDEN.exception("the client key '" + key.name() + "' may not use the model '"
          + job.model() + "'; GET /v1/models lists the models it may use");
    }
    if (job.priority() > key.maxPriority()) {
      throw ErrorKind.PRIORITY_NOT_ALLOWED.exception("the client key '" + key.name() + "' may ask for a priority "
          + "(user_level or X-Priority) of at most " + key.maxPriority() + ", not " + job.priority());
    }
  }

  /** What every request route checks first: the body is in, the node takes traffic, the body is JSON. */
  private boolean admit(RoutingContext ctx) {
    BodyDeadlineHandler.bodyReceived(vertx, ctx);
    if (node.draining()) {
      ctx.fail(ErrorKind.SHUTTING_DOWN.exception("this node is shutting down; retry on another"));
      return false;
    }
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
      ctx.fail(ErrorKind.UNSUPPORTED_MEDIA_TYPE.exception("send the request as application/json, not " + contentType));
      return false;
    }
    return true;
  }

  /**
   * Takes the client key's permit, then dispatches; the permit goes back with the tokens used when
   * the dispatch completes, whatever its end (answer, error, timeout, client gone). A refused
   * request takes no slot and no queue place: it never reaches the dispatcher.
   */
  private void dispatch(RoutingContext ctx, Job job, ReplySink sink, ClientKeyConfig key) {
    node.requestStarted();
    RequestTrace trace = Dispatcher.traceOf(job, loggedPath(ctx));
    Future<KeyPermit> permit = Future.succeededFuture();
    if (key != null) {
      trace.clientKey(key.name());
      permit = node.keyLimiter().acquire(key);
    }
    boolean bypassCache = noCache(ctx.request().getHeader(HttpHeaders.CACHE_CONTROL));
    permit.onFailure(e -> {
          // the key is known, so a refusal gets its access line and counts (by key) like any answer
          trace.finished(GatewayException.kindOf(e).status(), GatewayException.kindOf(e).code());
          node.metrics().record(trace);
          node.usage().record(trace);
          AccessLog.write(trace);
          ctx.put(ACCESS_LOGGED_KEY, true);
          ctx.fail(e);
        })
        .compose(p -> dispatcher.dispatch(job, sink, bypassCache, trace).andThen(ar -> {
          if (p != null) {
            node.keyLimiter().release(p, (long) trace.tokensIn() + trace.tokensOut());
          }
        }))
        .onComplete(ar -> node.requestEnded());
  }

  /** {@code Cache-Control: no-cache} (or no-store) asks for a fresh answer. */
  static boolean noCache(String cacheControl) {
    if (cacheControl == null) {
      return false;
    }
    String v = cacheControl.toLowerCase();
    return v.contains("no-cache") || v.contains("no-store");
  }

  /** The model names, those the client key may use when the gateway has keys. */
  private void models(RoutingContext ctx) {
    JsonArray data = new JsonArray();
    LlmApi.visibleModels(config, ClientAuth.key(ctx)).forEach(name -> data.add(new JsonObject()
        .put("id", name).put("object", "model").put("created", 0).put("owned_by", "poolgate")));
    OpsRoutes.json(ctx, 200, new JsonObject().put("object", "list").put("data", data));
  }

  /**
   * A request whose head could not be decoded (too large, not HTTP): it never reaches the router,
   * so it is answered here, in the error shape, and its connection closed as Vert.x's default
   * handler would (what follows a broken head cannot be trusted).
   */
  private static void invalidRequest(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    GatewayException error;
    if (cause instanceof TooLongHttpLineException) {
      error = ErrorKind.URI_TOO_LONG.exception("the request line is longer than " + MAX_REQUEST_LINE_BYTES + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = ErrorKind.HEADERS_TOO_LARGE.exception("the request headers are larger than " + MAX_HEADER_BYTES + " bytes");
    } else {
      error = ErrorKind.BAD_REQUEST.exception("the request is not valid HTTP/1.1");
    }
    if (req.connection() instanceof io.vertx.core.net.impl.ConnectionBase connection) {
      // Netty could not read the request's version and Vert.x answers with the one it assumed,
      // HTTP/1.0: the answer is written as HTTP/1.1 here, the version this server speaks
      byte[] body = ApiErrors.body(error.kind(), error.getMessage()).toBuffer().getBytes();
      var response = new io.netty.handler.codec.http.DefaultFullHttpResponse(
          io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
          io.netty.handler.codec.http.HttpResponseStatus.valueOf(error.kind().status()),
          io.netty.buffer.Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaders.CONTENT_TYPE, "application/json")
          .set(HttpHeaders.CONTENT_LENGTH, body.length)
          .set(HttpHeaders.CONNECTION, "close");
      connection.channel().writeAndFlush(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
      return;
    }
    ApiErrors.send(req.response(), error);
    req.connection().close();
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
    ApiErrors.send(ctx.response(), error, anthropicPath(ctx.request().path()) ? Protocol.ANTHROPIC : Protocol.OPENAI);
    logRefusal(ctx, error);
  }

  /**
   * A request turned away before it reached the dispatcher (bad JSON, unknown model, no key, a
   * body too large, ...) still gets its access line, so any request can be found by its id.
   */
  /** The request's path as the access line's {@code endpoint}, served or refused alike (bounded). */
  private static String loggedPath(RoutingContext ctx) {
    String path = ctx.request().path();
    return path == null ? null : path.length() > 200 ? path.substring(0, 200) : path;
  }

  private static void logRefusal(RoutingContext ctx, GatewayException error) {
    if (ctx.get(ACCESS_LOGGED_KEY) != null) {
      return;
    }
    RequestTrace trace = new RequestTrace(ctx.get(REQUEST_ID_KEY), loggedPath(ctx), null, Ticket.MIN_PRIORITY);
    ClientKeyConfig key = ClientAuth.key(ctx);
    if (key != null) {
      trace.clientKey(key.name());
    }
    trace.finished(error.kind().status(), error.kind().code());
    AccessLog.write(trace);
  }
}
