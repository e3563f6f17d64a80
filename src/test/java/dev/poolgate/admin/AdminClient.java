package dev.poolgate.admin;

import dev.poolgate.Gateway;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.testing.Ports;
import dev.poolgate.testing.PrivateState;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.util.Map;

import static dev.poolgate.testing.Await.await;

/** A node started the way Main starts one (admin state first), and a client for its admin API. */
final class AdminClient {
  static final String TOKEN = "admin-token-for-tests-0123456789";

  final Vertx vertx;
  final Gateway gateway;
  final int port;
  private final WebClient web;

  AdminClient(Vertx vertx, Gateway gateway, int port) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.port = port;
    this.web = WebClient.create(vertx);
  }

  /** Starts a standalone node on the raw document (host 127.0.0.1, a free port unless given). */
  static AdminClient start(Vertx vertx, JsonObject raw, ConfigStore store, Map<String, String> env) {
    JsonObject doc = raw.copy();
    JsonObject server = doc.getJsonObject("server", new JsonObject()).put("host", "127.0.0.1");
    if (!server.containsKey("port")) {
      server.put("port", Ports.free());
    }
    doc.put("server", server);
    PrivateState.of(doc);
    Gateway gw = await(AdminState.open(vertx, doc, store, env).compose(admin -> Gateway.start(vertx, admin)));
    return new AdminClient(vertx, gw, server.getInteger("port"));
  }

  AdminState admin() {
    return gateway.node().admin();
  }

  Future<Void> close() {
    web.close();
    return gateway.close();
  }

  /** One answer, read whole. */
  record Reply(int status, MultiMap headers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }

    String text() {
      return body == null ? "" : body.toString();
    }

    String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    String errorMessage() {
      return json().getJsonObject("error").getString("message");
    }

    long version() {
      return Long.parseLong(headers.get(AdminRoutes.VERSION_HEADER));
    }
  }

  Reply call(HttpMethod method, String path, Object body) {
    return call(method, path, body, Map.of("authorization", "Bearer " + TOKEN));
  }

  Reply call(HttpMethod method, String path, Object body, Map<String, String> headers) {
    var request = web.request(method, port, "127.0.0.1", path).timeout(10_000);
    headers.forEach(request::putHeader);
    Buffer buffer = body == null ? null : body instanceof JsonObject j ? j.toBuffer() : Buffer.buffer(body.toString());
    if (body instanceof JsonObject) {
      request.putHeader("content-type", "application/json");
    }
    var sent = buffer == null ? request.send() : request.sendBuffer(buffer);
    return await(sent.map(r -> new Reply(r.statusCode(), r.headers(), r.body() == null ? Buffer.buffer() : r.body())));
  }

  Reply get(String path) {
    return call(HttpMethod.GET, path, null);
  }

  Reply post(String path, JsonObject body) {
    return call(HttpMethod.POST, path, body);
  }

  Reply put(String path, Object body) {
    return call(HttpMethod.PUT, path, body);
  }

  Reply patch(String path, JsonObject body) {
    return call(HttpMethod.PATCH, path, body);
  }

  Reply delete(String path) {
    return call(HttpMethod.DELETE, path, null);
  }

  /** A chat completion for the model, no auth. */
  Reply chat(String model) {
    JsonObject body = new JsonObject().put("model", model).put("max_tokens", 2)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return call(HttpMethod.POST, "/v1/chat/completions", body, Map.of());
  }

  InstanceSnapshot instance(String pool, String id) {
    return await(new SchedulerClient(vertx).snapshot()).stream().filter(p -> p.name().equals(pool))
        .flatMap(p -> p.instances().stream()).filter(i -> i.id().equals(id)).findFirst().orElse(null);
  }

  static JsonObject mock(String id, int cap) {
    return new JsonObject().put("id", id).put("provider", "mock").put("max_concurrency", cap)
        .put("mock", new JsonObject().put("latency_ms", 1).put("tokens_per_second", 10_000));
  }

  /**
   * Pool p (two mock instances and one openai instance with a literal key and one with an
   * ${ENV} key), pool q, alias gpt-test → p, admin on.
   */
  static JsonObject config() {
    JsonObject p = new JsonObject().put("queue", new JsonObject().put("max_size", 100).put("timeout_ms", 5_000))
        .put("instances", new JsonArray().add(mock("m1", 2)).add(mock("m2", 2))
            .add(new JsonObject().put("id", "o1").put("provider", "openai").put("base_url", "http://127.0.0.1:9/v1")
                .put("api_key", "sk-literal-secret-value").put("model", "gpt-x").put("max_concurrency", 1)
                .put("weight", 1).put("headers", new JsonObject().put("X-Api-Key", "hdr-secret-value")
                    .put("X-Trace", "visible")))
            .add(new JsonObject().put("id", "o2").put("provider", "openai").put("base_url", "http://127.0.0.1:9/v1")
                .put("api_key", "${TEST_UPSTREAM_KEY}").put("model", "gpt-x").put("max_concurrency", 1)));
    JsonObject q = new JsonObject().put("instances", new JsonArray().add(mock("q1", 1)));
    return new JsonObject()
        .put("pools", new JsonObject().put("p", p).put("q", q))
        .put("models", new JsonObject().put("gpt-test", "p"))
        .put("health", new JsonObject().put("probe_interval_ms", 3_600_000))
        .put("admin", new JsonObject().put("token", TOKEN));
  }

  static final Map<String, String> ENV = Map.of("TEST_UPSTREAM_KEY", "sk-from-env-secret");
}
