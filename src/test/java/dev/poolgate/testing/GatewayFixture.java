package dev.poolgate.testing;

import dev.poolgate.Gateway;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.scheduler.SchedulerClient;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;

/**
 * A standalone poolgate node on a free loopback port, started from config JSON (the YAML's
 * shape), with a client to talk to it and the checks every test ends with.
 */
public final class GatewayFixture {
  private final Vertx vertx;
  private final Gateway gateway;
  private final int port;
  private final HttpClient client;
  private final io.vertx.ext.web.client.WebClient web;

  private GatewayFixture(Vertx vertx, Gateway gateway, int port) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.port = port;
    this.client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(256));
    this.web = io.vertx.ext.web.client.WebClient.wrap(client);
  }

  /**
   * Starts a node on the config; {@code server.host} becomes 127.0.0.1 and, unless the config
   * names one, {@code server.port} a free port and the usage database one in memory.
   */
  public static Future<GatewayFixture> start(Vertx vertx, JsonObject config) {
    JsonObject cfg = config.copy();
    JsonObject server = cfg.getJsonObject("server", new JsonObject());
    server.put("host", "127.0.0.1");
    if (!server.containsKey("port")) {
      server.put("port", Ports.free());
    }
    cfg.put("server", server);
    PrivateState.of(cfg);
    int port = server.getInteger("port");
    return Gateway.start(vertx, ConfigLoader.parse(cfg)).map(gw -> new GatewayFixture(vertx, gw, port));
  }

  /** Starts and waits (test thread only). */
  public static GatewayFixture startBlocking(Vertx vertx, JsonObject config) {
    return await(start(vertx, config));
  }

  public Gateway gateway() {
    return gateway;
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT} */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public HttpClient client() {
    return client;
  }

  public Future<Void> close() {
    return client.close().eventually(() -> gateway.close());
  }

  // ------------------------------------------------------------------ config builders

  /** An {@code openai} instance pointing at a fake. */
  public static JsonObject instance(String id, FakeOpenAi fake, int cap) {
    return instance(id, fake.baseUrl(), cap);
  }

  public static JsonObject instance(String id, String baseUrl, int cap) {
    return new JsonObject()
        .put("id", id)
        .put("provider", "openai")
        .put("base_url", baseUrl)
        .put("api_key", "sk-test-" + id)
        .put("model", FakeOpenAi.MODEL)
        .put("max_concurrency", cap)
        .put("timeout_ms", 5_000)
        .put("connect_timeout_ms", 1_000);
  }

  /** A pool of the instances with a roomy queue that times out after 5 s. */
  public static JsonObject pool(JsonObject... instances) {
    return new JsonObject()
        .put("queue", new JsonObject().put("max_size", 1000).put("timeout_ms", 5_000))
        .put("instances", new JsonArray(List.of((Object[]) instances)));
  }

  /** A config with the pools; probes are rare and retries have no backoff, so tests stay fast. */
  public static JsonObject config(JsonObject pools) {
    return new JsonObject()
        .put("server", new JsonObject().put("max_body_bytes", 1_048_576))
        .put("pools", pools)
        .put("health", new JsonObject().put("probe_interval_ms", 600_000))
        .put("retry", new JsonObject().put("max_attempts", 3).put("backoff_ms", 0));
  }

  /** A config with one pool {@code p} (model {@code gpt-test}) of the given instances. */
  public static JsonObject onePool(JsonObject... instances) {
    return config(new JsonObject().put("p", pool(instances))).put("models", new JsonObject().put("gpt-test", "p"));
  }

  // ------------------------------------------------------------------ requests

  /** A chat request body for model gpt-test. */
  public static JsonObject chat(String prompt) {
    return new JsonObject().put("model", "gpt-test").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", prompt)));
  }

  /** One answer, read whole. */
  public record Reply(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body.toJsonObject();
    }

    public String text() {
      return body.toString();
    }

    public String header(String name) {
      return headers.get(name);
    }
  }

  public Future<Reply> post(JsonObject body) {
    return post("/v1/chat/completions", body.toBuffer(), Map.of("content-type", "application/json"));
  }

  public Future<Reply> post(String path, Buffer body, Map<String, String> headers) {
    return send(HttpMethod.POST, path, body, headers);
  }

  /** A request with any method (and a body, which may be empty). */
  public Future<Reply> send(HttpMethod method, String path, Buffer body, Map<String, String> headers) {
    // the body is collected by the web client's own pipeline, on the connection's context: composing
    // body() on a response whose events run on another context can miss them
    var request = web.request(method, port, "127.0.0.1", path).timeout(15_000);
    headers.forEach(request::putHeader);
    return request.sendBuffer(body)
        .map(resp -> new Reply(resp.statusCode(), resp.headers(), resp.body() == null ? Buffer.buffer() : resp.body()));
  }

  public Reply postBlocking(JsonObject body) {
    return await(post(body));
  }

  // ------------------------------------------------------------------ ledger

  public Future<List<PoolSnapshot>> snapshot() {
    return new SchedulerClient(vertx).snapshot();
  }

  public PoolSnapshot pool(String name) {
    return await(snapshot()).stream().filter(p -> p.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no pool " + name));
  }

  public InstanceSnapshot instanceSnapshot(String pool, String id) {
    return pool(pool).instances().stream().filter(i -> i.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no instance " + id));
  }

  /** Polls until no pool holds a slot, a queued ticket or an unclaimed grant. */
  public void assertNoLeak() {
    Await.until("no slot leaked (every inFlight == 0, queued == 0, no unclaimed grant, no guest)",
        Duration.ofSeconds(5), () -> await(snapshot()).stream().allMatch(p -> p.inFlight() == 0 && p.queued() == 0
            && p.unclaimedGrants() == 0 && p.guests() == 0));
  }

  /** Polls until the pool has this many queued tickets. */
  public void awaitQueued(String pool, int n) {
    Await.until(pool + " has " + n + " queued", () -> pool(pool).queued() == n);
  }
}
