package dev.poolgate.http;

import dev.poolgate.NodeState;
import dev.poolgate.cache.LocalResponseCache;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.metrics.GatewayMetrics;
import dev.poolgate.testing.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * openapi.json documents every route the ingress serves (a new route without its entry fails
 * here), and {@code /openapi.json} and {@code /docs} are served.
 */
@ExtendWith(VertxExtension.class)
class OpenApiRoutesTest {
  private static final Set<HttpMethod> ALL = Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT,
      HttpMethod.PATCH, HttpMethod.DELETE);

  /** Every route with a path, sub-routers (/admin) walked with their mount point as prefix. */
  private record Served(String path, Set<HttpMethod> methods) {}

  private static List<Served> routes(io.vertx.ext.web.Router router, String prefix) {
    List<Served> out = new ArrayList<>();
    for (Route route : router.getRoutes()) {
      String path = route.getPath();
      if (path == null) {
        continue; // handlers for every path: request id, auth, body, not found, failures
      }
      if (route.getSubRouter() != null) {
        out.addAll(routes(route.getSubRouter(), prefix + path.replaceAll("/?\\*?$", "")));
      } else {
        out.add(new Served(prefix + path, route.methods() == null || route.methods().isEmpty() ? ALL : route.methods()));
      }
    }
    return out;
  }

  @Test
  void everyRouteIsInTheDocument(Vertx vertx) {
    int port = Ports.free();
    IngressVerticle ingress = new IngressVerticle(ConfigLoader.parse(new JsonObject()
        .put("server", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("pools", new JsonObject().put("p", new JsonObject()
            .put("queue", new JsonObject().put("max_size", 1).put("timeout_ms", 1000))
            .put("instances", new JsonArray().add(new JsonObject().put("id", "m").put("provider", "mock")
                .put("max_concurrency", 1)))))),
        new NodeState(new LocalResponseCache(), GatewayMetrics.standalone(), new dev.poolgate.keys.LocalKeyLimiter()));
    await(vertx.deployVerticle(ingress));

    JsonObject paths = new JsonObject(ApiDocs.resource(ApiDocs.OPENAPI_RESOURCE).toString()).getJsonObject("paths");
    List<String> missing = new ArrayList<>();
    int documented = 0;
    for (Served route : routes(ingress.router(), "")) {
      String openApiPath = route.path().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      Set<HttpMethod> methods = route.methods();
      for (HttpMethod method : methods) {
        JsonObject item = paths.getJsonObject(openApiPath);
        if (item == null || !item.containsKey(method.name().toLowerCase())) {
          missing.add(method + " " + openApiPath);
        } else {
          documented++;
        }
      }
    }
    assertTrue(missing.isEmpty(), "routes missing from src/main/resources/openapi.json: " + missing);
    assertTrue(documented >= 20, "the router's routes were walked: " + documented);

    WebClient web = WebClient.create(vertx);
    var doc = await(web.get(port, "127.0.0.1", IngressVerticle.OPENAPI_PATH).send());
    assertEquals(200, doc.statusCode());
    assertTrue(doc.bodyAsJsonObject().getString("openapi").startsWith("3."));
    assertTrue(doc.bodyAsJsonObject().getJsonObject("components").getJsonObject("schemas").containsKey("Error"));
    var page = await(web.get(port, "127.0.0.1", IngressVerticle.DOCS_PATH).send());
    assertEquals(200, page.statusCode());
    assertTrue(page.getHeader("content-type").startsWith("text/html"));
    assertTrue(page.bodyAsString().contains("fetch('openapi.json')"), "the page renders the served document");
  }
}
