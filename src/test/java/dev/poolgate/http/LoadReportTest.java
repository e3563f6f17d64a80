package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.scheduling.Health;
import dev.poolgate.scheduling.InstanceSnapshot;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load and status figures built from a snapshot, without a server. */
class LoadReportTest {
  static final String KEY_A = "sk-proj-AAAA1111secretA1b2";
  static final String KEY_B = "sk-proj-BBBB2222secretC3d4";

  /** Pool chat (two keyed instances, caps 10 and 6), pool spark (two max_rps instances), alias gpt-4o → chat. */
  static final GatewayConfig CONFIG = ConfigLoader.parse(new JsonObject()
      .put("pools", new JsonObject()
          .put("chat", new JsonObject().put("queue", new JsonObject().put("max_size", 10).put("timeout_ms", 1000))
              .put("instances", new JsonArray()
                  .add(openai("chat-a", KEY_A, 10, 2, 0))
                  .add(openai("chat-b", KEY_B, 6, 1, 0))))
          .put("spark", new JsonObject().put("queue", new JsonObject().put("max_size", 10).put("timeout_ms", 1000))
              .put("instances", new JsonArray()
                  .add(openai("spark-a", null, 5, 1, 3))
                  .add(openai("spark-b", "short1", 5, 1, 1)))))
      .put("models", new JsonObject().put("gpt-4o", "chat")));

  static JsonObject openai(String id, String key, int cap, int weight, int maxRps) {
    JsonObject o = new JsonObject().put("id", id).put("provider", "openai").put("base_url", "http://127.0.0.1:1/v1")
        .put("model", "m").put("max_concurrency", cap).put("weight", weight);
    if (key != null) {
      o.put("api_key", key);
    }
    if (maxRps > 0) {
      o.put("max_rps", maxRps);
    }
    return o;
  }

  static InstanceSnapshot inst(String id, int cap, int weight, int inFlight, Health h, String lastError,
                               int maxRps, int lastSecond, double latency) {
    return new InstanceSnapshot(id, cap, weight, inFlight, h, h == Health.HEALTHY ? 0 : 3, lastError, false,
        maxRps, lastSecond, latency);
  }

  static final List<PoolSnapshot> POOLS = List.of(
      new PoolSnapshot("chat", List.of(
          inst("chat-a", 10, 2, 7, Health.HEALTHY, null, 0, 0, 120.04),
          inst("chat-b", 6, 1, 2, Health.DEGRADED, "401 from upstream: Incorrect API key " + KEY_B, 0, 0, -1)),
          3, Map.of(5, 2, 0, 1), 0),
      new PoolSnapshot("spark", List.of(
          inst("spark-a", 5, 1, 1, Health.HEALTHY, null, 3, 2, 50),
          inst("spark-b", 5, 1, 0, Health.HEALTHY, null, 1, 1, 60)),
          0, Map.of(), 0));

  final LoadReport report = new LoadReport(CONFIG, POOLS);

  @Test
  void systemLoadIsInFlightOverCapacityOfAllPools() {
    // (7 + 2 + 1 + 0) / (10 + 6 + 5 + 5) = 10 / 26
    assertEquals(38.46, report.systemLoad().getDouble("load_percent"));
    assertEquals(0.0, new LoadReport(CONFIG, List.of()).systemLoad().getDouble("load_percent"), "no capacity: 0, not NaN");
  }

  @Test
  void capacitySplitsPoolsByTypeAndMasksKeys() {
    JsonObject cap = report.systemCapacity();
    assertEquals(new JsonObject().put("concurrency", 16L).put("qps", 4L), cap.getJsonObject("total_max"));
    JsonObject chat = cap.getJsonObject("details").getJsonObject("chat");
    assertEquals("concurrency", chat.getString("type"));
    assertEquals(9, chat.getInteger("current"));
    assertEquals(16, chat.getInteger("max"));
    assertEquals(3.0, chat.getDouble("weight"));
    assertEquals(3, chat.getInteger("queued"));
    JsonObject keyA = chat.getJsonArray("keys").getJsonObject(0);
    assertEquals("sk-...A1b2", keyA.getString("key"));
    assertEquals("chat-a", keyA.getString("instance"));
    assertEquals(2.0, keyA.getDouble("weight"));
    assertEquals(7, keyA.getInteger("current"));
    assertEquals("sk-...C3d4", chat.getJsonArray("keys").getJsonObject(1).getString("key"));

    JsonObject spark = cap.getJsonObject("details").getJsonObject("spark");
    assertEquals("qps", spark.getString("type"), "every instance has max_rps");
    assertEquals(3, spark.getInteger("current"), "requests of the last second");
    assertEquals(4, spark.getInteger("max"), "sum of max_rps");
    assertEquals("spark-a", spark.getJsonArray("keys").getJsonObject(0).getString("key"), "no key: the instance id");
    assertEquals("...t1", spark.getJsonArray("keys").getJsonObject(1).getString("key"), "a short key shows 2 chars");
    assertFalse(cap.encode().contains(KEY_A) || cap.encode().contains(KEY_B) || cap.encode().contains("short1"));
  }

  @Test
  void modelLoadAcceptsAliasesAndPoolNames() {
    assertEquals(report.modelLoad("chat"), report.modelLoad("gpt-4o"));
    assertEquals(9, report.modelLoad("gpt-4o").getInteger("current"));
    GatewayException e = assertThrows(GatewayException.class, () -> report.modelLoad("nope"));
    assertEquals(ErrorKind.MODEL_NOT_FOUND, e.kind());
  }

  @Test
  void keyLoadByInstanceIdOrMaskedKey() {
    JsonObject byId = report.keyLoad("gpt-4o", "chat-b");
    assertEquals(new JsonObject().put("key", "sk-...C3d4").put("instance", "chat-b").put("weight", 1.0)
        .put("current", 2).put("max", 6), byId);
    assertEquals(byId, report.keyLoad("chat", "sk-...C3d4"));
    JsonObject qps = report.keyLoad("spark", "spark-a");
    assertEquals(2, qps.getInteger("current"));
    assertEquals(3, qps.getInteger("max"));
    assertEquals(ErrorKind.NOT_FOUND, assertThrows(GatewayException.class, () -> report.keyLoad("chat", KEY_A)).kind(),
        "the raw key is not a name: keys do not go in URLs");
    assertEquals(ErrorKind.NOT_FOUND, assertThrows(GatewayException.class, () -> report.keyLoad("chat", "spark-a")).kind(),
        "an instance of another pool");
    assertEquals(ErrorKind.MODEL_NOT_FOUND,
        assertThrows(GatewayException.class, () -> report.keyLoad("nope", "chat-a")).kind());
  }

  @Test
  void aKeyMaskSharedByTwoInstancesIsAmbiguous() {
    GatewayConfig twins = ConfigLoader.parse(new JsonObject().put("pools", new JsonObject()
        .put("p", new JsonObject().put("queue", new JsonObject().put("max_size", 1).put("timeout_ms", 1000))
            .put("instances", new JsonArray().add(openai("x", KEY_A, 1, 1, 0)).add(openai("y", KEY_A, 1, 1, 0))))));
    LoadReport r = new LoadReport(twins, List.of(new PoolSnapshot("p", List.of(
        inst("x", 1, 1, 0, Health.HEALTHY, null, 0, 0, -1), inst("y", 1, 1, 1, Health.HEALTHY, null, 0, 0, -1)),
        0, Map.of(), 0)));
    assertEquals(ErrorKind.BAD_REQUEST, assertThrows(GatewayException.class, () -> r.keyLoad("p", "sk-...A1b2")).kind());
    assertEquals(1, r.keyLoad("p", "y").getInteger("current"));
  }

  @Test
  void aPoolMixingLimitedAndUnlimitedInstancesIsConcurrency() {
    PoolSnapshot mixed = new PoolSnapshot("p", List.of(inst("a", 4, 1, 1, Health.HEALTHY, null, 5, 3, -1),
        inst("b", 4, 1, 2, Health.HEALTHY, null, 0, 0, -1)), 0, Map.of(), 0);
    assertFalse(LoadReport.isQps(mixed));
    assertTrue(LoadReport.isQps(POOLS.get(1)));
  }

  @Test
  void keyMask() {
    assertEquals("sk-...a1b2", KeyMask.mask("sk-0123456789a1b2"));
    assertEquals("...ab", KeyMask.mask("tiny-ab"));
    assertNull(KeyMask.mask(null));
    assertEquals("error with sk-...C3d4 inside", KeyMask.scrub("error with " + KEY_B + " inside", CONFIG));
  }

  @Test
  void providersStatusGroupsByProviderWithoutKeys() {
    StatusReport.Page page = new StatusReport(CONFIG, POOLS).providers();
    assertEquals(200, page.status());
    JsonObject body = page.body();
    assertEquals("degraded", body.getString("status"));
    JsonObject openai = body.getJsonArray("providers").getJsonObject(0);
    assertEquals("openai", openai.getString("provider"));
    assertEquals("degraded", openai.getString("status"));
    assertEquals(3, openai.getInteger("healthy"));
    assertEquals(1, openai.getInteger("degraded"));
    assertEquals(10, openai.getInteger("in_flight"));
    assertEquals(26, openai.getInteger("max_concurrency"));
    JsonObject b = openai.getJsonArray("instances").getJsonObject(1);
    assertEquals("chat-b", b.getString("id"));
    assertEquals("chat", b.getString("pool"));
    assertEquals("sk-...C3d4", b.getString("key"));
    assertEquals("401 from upstream: Incorrect API key sk-...C3d4", b.getString("last_error"), "the key quoted by the upstream is masked");
    assertNull(b.getDouble("latency_ms"));
    assertEquals(120.0, openai.getJsonArray("instances").getJsonObject(0).getDouble("latency_ms"));
    assertFalse(body.encode().contains(KEY_B));
  }

  @Test
  void detailedHealthHasLatencyQueueAndNoKeys() {
    StatusReport.Page page = new StatusReport(CONFIG, POOLS).detailedHealth(true);
    assertEquals(200, page.status());
    JsonObject chat = page.body().getJsonArray("pools").getJsonObject(0);
    assertEquals(3, chat.getInteger("queued"));
    assertEquals(new JsonObject().put("5", 2).put("0", 1), chat.getJsonObject("queued_by_priority"));
    assertEquals(120.0, chat.getJsonArray("instances").getJsonObject(0).getDouble("latency_ms"));
    JsonObject sparkA = page.body().getJsonArray("pools").getJsonObject(1).getJsonArray("instances").getJsonObject(0);
    assertEquals(3, sparkA.getInteger("max_rps"));
    assertEquals(2, sparkA.getInteger("requests_last_second"));
    assertFalse(page.body().encode().contains(KEY_B));

    List<PoolSnapshot> down = List.of(new PoolSnapshot("chat", List.of(
        inst("chat-a", 10, 2, 0, Health.UNHEALTHY, "boom", 0, 0, -1)), 0, Map.of(), 0));
    StatusReport.Page bad = new StatusReport(CONFIG, down).detailedHealth(true);
    assertEquals(503, bad.status());
    assertEquals("degraded", bad.body().getString("status"));
    assertEquals("down", new StatusReport(CONFIG, down).providers().body().getString("status"));
  }
}
