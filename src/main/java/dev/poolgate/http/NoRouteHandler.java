package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The last route: a request no other route took. A known path asked with another method is 405
 * with the methods its routes take in {@code Allow} (read from the router itself, so it never
 * drifts from the routes); anything else is 404. Both leave through the failure handler, in the
 * route family's error shape.
 */
public final class NoRouteHandler implements Handler<RoutingContext> {
  private final Router router;

  private NoRouteHandler(Router router) {
    this.router = router;
  }

  /** The last route of this router (a sub-router's routes are matched below its mount point). */
  public static NoRouteHandler create(Router router) {
    return new NoRouteHandler(router);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    String mount = ctx.mountPoint();
    String routed = mount == null || mount.equals("/") || !path.startsWith(mount) ? path
        : path.substring(mount.endsWith("/") ? mount.length() - 1 : mount.length());
    Set<String> allowed = allowedMethods(router.getRoutes(), routed);
    if (allowed.isEmpty()) {
      ctx.fail(ErrorKind.NOT_FOUND.exception("no route for " + ctx.request().method() + " " + path));
      return;
    }
    String allow = String.join(", ", allowed);
    ctx.response().putHeader(HttpHeaders.ALLOW, allow);
    ctx.fail(ErrorKind.METHOD_NOT_ALLOWED.exception(ctx.request().method() + " is not allowed on " + path
        + "; it takes " + allow));
  }

  /** The methods the routes with a method take on this path ({@code :name} segments match any segment). */
  static Set<String> allowedMethods(List<Route> routes, String path) {
    Set<String> allowed = new TreeSet<>();
    String[] segments = path == null ? new String[0] : path.split("/", -1);
    for (Route route : routes) {
      String template = route.getPath();
      // a route with :params reads as a regex route too; its template is still its path
      if (route.methods() == null || route.methods().isEmpty() || template == null) {
        continue;
      }
      String[] expected = template.split("/", -1);
      boolean matches = expected.length == segments.length;
      for (int i = 0; matches && i < expected.length; i++) {
        matches = expected[i].startsWith(":") ? !segments[i].isEmpty() : expected[i].equals(segments[i]);
      }
      if (matches) {
        route.methods().forEach(m -> allowed.add(m.name()));
      }
    }
    return allowed;
  }
}
