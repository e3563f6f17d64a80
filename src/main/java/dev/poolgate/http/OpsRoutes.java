package dev.poolgate.http;

import dev.poolgate.NodeState;
import dev.poolgate.cluster.ClusterMembers;
import dev.poolgate.cluster.ClusterNode;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.scheduler.SchedulerClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The operations endpoints: liveness and readiness, Prometheus metrics, health per instance, the
 * load and status reports, and the API documents. Read-only and open (no client key): every
 * figure comes from one ledger snapshot, so in cluster mode any node answers for the cluster.
 */
final class OpsRoutes {
  /** Every pool and instance as the ledger sees it (cluster-wide in cluster mode). */
  static final String DETAILED_HEALTH_PATH = "/health/detailed";
  /** Prometheus scrape endpoint. */
  static final String METRICS_PATH = "/metrics";
  /** Liveness: 200 while the process serves HTTP. */
  static final String LIVENESS_PATH = "/health";
  /** Readiness: 200 once started, 503 while starting, draining, or (in a cluster) without a quorum. */
  static final String READINESS_PATH = "/health/ready";
  /** Per provider type and instance: health, load, last error (reference 003's route). */
  static final String PROVIDERS_STATUS_PATH = "/v1/providers/status";
  /** The OpenAPI 3 document of every route. */
  static final String OPENAPI_PATH = "/openapi.json";
  /** A page rendering the OpenAPI document. */
  static final String DOCS_PATH = "/docs";
  /** The cluster's members as this node sees them (a standalone node: itself). */
  static final String MEMBERS_PATH = "/cluster/members";

  private final Supplier<GatewayConfig> config;
  private final NodeState node;
  private final Supplier<ApiDocs> docs;
  private final Vertx vertx;
  private final SchedulerClient scheduler;

  /** @param docs the API documents, loaded when the ingress starts */
  OpsRoutes(Vertx vertx, Supplier<GatewayConfig> config, NodeState node, Supplier<ApiDocs> docs) {
    this.config = config;
    this.node = node;
    this.docs = docs;
    this.vertx = vertx;
    this.scheduler = new SchedulerClient(vertx);
  }

  void mount(Router router) {
    router.get(METRICS_PATH).handler(this::metrics);
    router.get(LIVENESS_PATH).handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
    router.get(READINESS_PATH).handler(this::ready);
    router.get(DETAILED_HEALTH_PATH).handler(ctx -> status(ctx, r -> r.detailedHealth(node.ready())));
    router.get("/llm/system-load").handler(ctx -> report(ctx, LoadReport::systemLoad));
    router.get("/llm/system-capacity").handler(ctx -> report(ctx, LoadReport::systemCapacity));
    router.get("/llm/model-load/:model").handler(ctx -> report(ctx, r -> r.modelLoad(ctx.pathParam("model"))));
    router.get("/llm/key-load/:model/:key")
        .handler(ctx -> report(ctx, r -> r.keyLoad(ctx.pathParam("model"), ctx.pathParam("key"))));
    router.get(PROVIDERS_STATUS_PATH).handler(ctx -> status(ctx, StatusReport::providers));
    router.get(MEMBERS_PATH).handler(this::members);
    router.get(OPENAPI_PATH).handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(docs.get().openApi()));
    router.get(DOCS_PATH).handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .end(docs.get().page()));
  }

  /** A load figure of the ledger's snapshot (cluster-wide in cluster mode). */
  private void report(RoutingContext ctx, Function<LoadReport, JsonObject> figure) {
    GatewayConfig cfg = config.get();
    scheduler.snapshot()
        .map(pools -> figure.apply(new LoadReport(cfg, pools)))
        .onSuccess(body -> json(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  /** A status page of the ledger's snapshot, with the status code it chose. */
  private void status(RoutingContext ctx, Function<StatusReport, StatusReport.Page> page) {
    GatewayConfig cfg = config.get();
    scheduler.snapshot()
        .map(pools -> page.apply(new StatusReport(cfg, pools)))
        .onSuccess(p -> json(ctx, p.status(), p.body()))
        .onFailure(ctx::fail);
  }

  /** The Prometheus exposition, with the shared-state gauges refreshed from the ledger first. */
  private void metrics(RoutingContext ctx) {
    scheduler.snapshot().onComplete(ar -> {
      if (ar.succeeded()) {
        node.metrics().ledger(ar.result());
      }
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
          .end(node.metrics().scrape());
    });
  }

  private void members(RoutingContext ctx) {
    var server = config.get().server();
    ClusterMembers.list(vertx, ClusterNode.hazelcastOf(vertx), server.host() + ":" + server.port(), node.startedAt())
        .onSuccess(body -> json(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  private void ready(RoutingContext ctx) {
    boolean ready = node.ready();
    String status = ready ? "ready" : node.draining() ? "draining" : node.waiting() ? "waiting_for_cluster" : "starting";
    json(ctx, ready ? 200 : 503, new JsonObject().put("status", status));
  }

  /** Ends the response with a JSON body. */
  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer());
  }
}
