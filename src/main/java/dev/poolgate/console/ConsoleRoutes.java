package dev.poolgate.console;

import dev.poolgate.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

import java.util.function.Supplier;

/**
 * The console's routes: the page and its scripts from the jar ({@code /console}, with uPlot from
 * its WebJar under {@code /console/lib/}), and the push route {@value #STREAM_PATH}. Open like the
 * other ops routes (what they show is what {@code /health/detailed} shows); the page's operations
 * go to {@code /admin}, which asks for the admin token. The page's Content-Security-Policy lets it
 * load and connect to nothing but this node.
 */
public final class ConsoleRoutes {
  public static final String PAGE_PATH = "/console";
  public static final String STREAM_PATH = "/console/stream";
  /** The WebJar's version, as in the pom: its files sit under a versioned path. */
  public static final String UPLOT_VERSION = "1.6.30";
  static final String CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
      + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private ConsoleRoutes() {
  }

  /** @param hub the node's hub (null: the node runs without a console, the routes answer 404) */
  public static void mount(Router router, Supplier<ConsoleHub> hub) {
    router.route(PAGE_PATH + "*").handler(ctx -> {
      ctx.response().putHeader("content-security-policy", CSP).putHeader("x-content-type-options", "nosniff");
      if (hub.get() == null) {
        ctx.fail(ErrorKind.NOT_FOUND.exception("this node runs without the console"));
      } else {
        ctx.next();
      }
    });
    router.get(PAGE_PATH).handler(ctx -> ctx.reroute(PAGE_PATH + "/index.html"));
    router.get(STREAM_PATH).handler(ctx -> hub.get().subscribe(ctx.response()));
    router.get(PAGE_PATH + "/lib/*").handler(StaticHandler.create("META-INF/resources/webjars/uplot/"
        + UPLOT_VERSION + "/dist").setCachingEnabled(true).setDirectoryListing(false));
    router.get(PAGE_PATH + "/*").handler(StaticHandler.create("console").setCachingEnabled(false)
        .setDirectoryListing(false).setIndexPage("index.html"));
  }
}
