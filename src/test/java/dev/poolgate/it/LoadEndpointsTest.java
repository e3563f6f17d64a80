package dev.poolgate.it;

import dev.poolgate.testing.Await;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load and status endpoints report what the upstreams really have in flight. */
class LoadEndpointsTest extends GatewayTestBase {
  static final String KEY_A = "sk-live-aaaaaaaaaaaaA1b2";
  static final String KEY_B = "sk-live-bbbbbbbbbbbbC3d4";

  private FakeOpenAi a;
  private FakeOpenAi b;

  /** Pool p (model gpt-test): instance a (cap 2, key A), b (cap 3, key B); both upstreams hold answers. */
  private void loadedGateway() {
    a = fake().hold();
    b = fake().hold();
    gateway(config(new JsonObject().put("p", pool(
        instance("a", a, 2).put("api_key", KEY_A),
        instance("b", b, 3).put("api_key", KEY_B))))
        .put("models", new JsonObject().put("gpt-test", "p")));
  }

  static JsonObject get(WebClient web, int port, String path, int expectedStatus) {
    var resp = await(web.get(port, "127.0.0.1", path).send());
    assertEquals(expectedStatus, resp.statusCode(), path + " → " + resp.bodyAsString());
    return resp.bodyAsJsonObject();
  }

  private JsonObject get(String path) {
    return get(path, 200);
  }

  private JsonObject get(String path, int status) {
    return get(WebClient.wrap(gw.client()), gw.port(), path, status);
  }

  @Test
  void figuresMatchTheRequestsInFlightAtTheUpstreams() {
    loadedGateway();
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      replies.add(gw.post(chat("hold " + i)));
    }
    Await.until("4 requests in flight at the upstreams", () -> a.inFlight() + b.inFlight() == 4);
    int atA = a.inFlight();
    int atB = b.inFlight();

    assertEquals(80.0, get("/llm/system-load").getDouble("load_percent"), "4 of 5 slots");
    JsonObject capacity = get("/llm/system-capacity");
    assertEquals(5, capacity.getJsonObject("total_max").getInteger("concurrency"));
    JsonObject p = capacity.getJsonObject("details").getJsonObject("p");
    assertEquals("concurrency", p.getString("type"));
    assertEquals(4, p.getInteger("current"));
    assertEquals(5, p.getInteger("max"));
    assertEquals(atA, p.getJsonArray("keys").getJsonObject(0).getInteger("current"));
    assertEquals("sk-...A1b2", p.getJsonArray("keys").getJsonObject(0).getString("key"));
    assertEquals(atB, p.getJsonArray("keys").getJsonObject(1).getInteger("current"));

    assertEquals(p, get("/llm/model-load/gpt-test"), "model-load is the pool's entry of system-capacity");
    assertEquals(p, get("/llm/model-load/p"), "the pool name is a model name too");
    JsonObject keyB = get("/llm/key-load/gpt-test/sk-...C3d4");
    assertEquals(atB, keyB.getInteger("current"));
    assertEquals(3, keyB.getInteger("max"));
    assertEquals(keyB, get("/llm/key-load/gpt-test/b"), "by instance id");

    JsonObject providers = get("/v1/providers/status");
    JsonObject openai = providers.getJsonArray("providers").getJsonObject(0);
    assertEquals("openai", openai.getString("provider"));
    assertEquals(4, openai.getInteger("in_flight"));
    assertEquals(5, openai.getInteger("max_concurrency"));

    JsonObject health = get("/health/detailed");
    assertEquals(4, health.getJsonArray("pools").getJsonObject(0).getInteger("in_flight"));

    a.release();
    b.release();
    replies.forEach(r -> assertEquals(200, await(r).status()));
    // a slot is released just after its answer's last byte, so the client may be a moment earlier
    Await.until("every slot back", () -> get("/llm/system-load").getDouble("load_percent") == 0.0);
    // the releases carried the answers' times: both instances have a latency estimate
    JsonArray instances = get("/health/detailed").getJsonArray("pools").getJsonObject(0).getJsonArray("instances");
    for (int i = 0; i < instances.size(); i++) {
      Double latency = instances.getJsonObject(i).getDouble("latency_ms");
      assertTrue(latency != null && latency >= 0, instances.encode());
    }
  }

  @Test
  void unknownModelsAndKeysAre404InTheOpenAiShape() {
    loadedGateway();
    JsonObject model = get("/llm/model-load/nope", 404);
    assertEquals("model_not_found", model.getJsonObject("error").getString("code"));
    assertEquals("invalid_request_error", model.getJsonObject("error").getString("type"));
    assertEquals("model_not_found", get("/llm/key-load/nope/a", 404).getJsonObject("error").getString("code"));
    assertEquals("not_found", get("/llm/key-load/gpt-test/" + KEY_A, 404).getJsonObject("error").getString("code"),
        "a raw key is not accepted as a name");
  }

  @Test
  void qpsPoolsCountTheLastSecond() {
    FakeOpenAi up = fake().hold();
    gateway(config(new JsonObject().put("q", pool(instance("q1", up, 5).put("max_rps", 50))))
        .put("models", new JsonObject().put("gpt-test", "q")));
    long start = System.nanoTime();
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replies.add(gw.post(chat("q" + i)));
    }
    Await.until("3 requests at the upstream", () -> up.inFlight() == 3);
    JsonObject q = get("/llm/model-load/gpt-test");
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals("qps", q.getString("type"));
    assertEquals(50, q.getInteger("max"));
    if (elapsedMs < 900) {
      assertEquals(3, q.getInteger("current"), "the three requests started within the last second");
    } else {
      // the machine stalled: some of the three may have left the one-second window
      assertTrue(q.getInteger("current") <= 3, q.encode());
    }
    assertEquals(50, get("/llm/system-capacity").getJsonObject("total_max").getInteger("qps"));
    up.release();
    replies.forEach(r -> assertEquals(200, await(r).status()));
  }
}
