package dev.poolgate.console;

import dev.poolgate.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The console's routes: the page ({@value #PAGE_PATH}), its files from the jar
 * ({@code /console/{asset}}: its own script and style, and uPlot from its WebJar), and the push
 * route {@value #STREAM_PATH}. Open like the other ops routes (they show what
 * {@code /health/detailed} shows); the page's operations go to {@code /admin}, which asks for the
 * admin token. The page's Content-Security-Policy lets it load and connect to nothing but this
 * node.
 */
public final class ConsoleRoutes {
  public static final String PAGE_PATH = "/console";
  public static final String STREAM_PATH = "/console/stream";
  /** The WebJar's version, as in the pom: its files sit under a versioned path. */
  public static final String UPLOT_VERSION = "1.6.30";
  static final String CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  private static final String UPLOT = "META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/";

  /** A file the page needs: where it is on the class path and its type. */
  private record Asset(String resource, String contentType) {}

  /** Every file served, by name: nothing else under /console is. */
  private static final Map<String, Asset> ASSETS = Map.of(
      "index.html", new Asset("console/index.html", "text/html; charset=utf-8"),
      "console.js", new Asset("console/console.js", "text/javascript; charset=utf-8"),
      "console.css", new Asset("console/console.css", "text/css; charset=utf-8"),
      "uPlot.iife.min.js", new Asset(UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
      "uPlot.min.css", new Asset(UPLOT + "uPlot.min.css", "text/css; charset=utf-8"));

  private final Vertx vertx;
  private final Supplier<ConsoleHub> hub;
  /** Files read once (they are in the jar and never change). */
  private final Map<String, Buffer> loaded = new ConcurrentHashMap<>();

  private ConsoleRoutes(Vertx vertx, Supplier<ConsoleHub> hub) {
    this.vertx = vertx;
    this.hub = hub;
  }

  /** @param hub the node's hub (null: the node runs without a console, the routes answer 404) */
  public static void mount(Vertx vertx, Router router, Supplier<ConsoleHub> hub) {
    ConsoleRoutes routes = new ConsoleRoutes(vertx, hub);
    router.get(PAGE_PATH).handler(routes::guard).handler(ctx -> routes.asset(ctx, "index.html"));
    router.get(STREAM_PATH).handler(routes::guard).handler(ctx -> hub.get().subscribe(ctx.response()));
    router.get(PAGE_PATH + "/:asset").handler(routes::guard).handler(ctx -> routes.asset(ctx, ctx.pathParam("asset")));
  }

  private void guard(RoutingContext ctx) {
    ctx.response().putHeader("content-security-policy", CSP).putHeader("x-content-type-options", "nosniff");
    if (hub.get() == null) {
      ctx.fail(ErrorKind.NOT_FOUND.exception("this node runs without the console"));
    } else {
      ctx.next();
    }
  }

  private void asset(RoutingContext ctx, String name) {
    Asset asset = ASSETS.get(name);
    if (asset == null) {
      ctx.fail(ErrorKind.NOT_FOUND.exception("no console file '" + name + "'"));
      return;
    }
    Buffer cached = loaded.get(name);
    Future<Buffer> body = cached != null ? Future.succeededFuture(cached)
        : vertx.fileSystem().readFile(asset.resource()).andThen(ar -> {
          if (ar.succeeded()) {
            loaded.put(name, ar.result());
          }
        });
    body.onSuccess(b -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, asset.contentType())
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").end(b))
        .onFailure(ctx::fail);
  }
}
