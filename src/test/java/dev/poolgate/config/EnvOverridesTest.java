package dev.poolgate.config;

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

/** POOLGATE_* variables override any key, present or known, and bad values name the key and the variable. */
class EnvOverridesTest {

  private static JsonObject doc() {
    return new JsonObject()
        .put("server", new JsonObject().put("port", 8080))
        .put("retry", new JsonObject().put("max_attempts", 2))
        .put("pools", new JsonObject()
            .put("large", new JsonObject()
                .put("queue", new JsonObject().put("max_size", 10))
                .put("instances", new JsonArray()
                    .add(new JsonObject().put("id", "l1").put("provider", "mock").put("max_concurrency", 2))
                    .add(new JsonObject().put("id", "l2").put("provider", "mock").put("max_concurrency", 3))))
            .put("large_v2", new JsonObject()
                .put("instances", new JsonArray()
                    .add(new JsonObject().put("id", "v").put("provider", "mock").put("max_concurrency", 1)))))
        .put("models", new JsonObject().put("gpt-4o", "large"));
  }

  private static JsonObject apply(Map<String, String> env) {
    return EnvOverrides.apply(doc(), env).config();
  }

  @Test
  void presentKeysAtAnyDepthIncludingListElements() {
    JsonObject out = apply(Map.of(
        "POOLGATE_SERVER_PORT", "9001",
        "POOLGATE_RETRY_MAX_ATTEMPTS", "5",
        "POOLGATE_POOLS_LARGE_QUEUE_MAX_SIZE", "77",
        "POOLGATE_POOLS_LARGE_INSTANCES_1_MAX_CONCURRENCY", "9",
        "POOLGATE_MODELS_GPT_4O", "large_v2"));
    assertEquals(9001L, out.getJsonObject("server").getValue("port"));
    assertEquals(5L, out.getJsonObject("retry").getValue("max_attempts"));
    JsonObject large = out.getJsonObject("pools").getJsonObject("large");
    assertEquals(77L, large.getJsonObject("queue").getValue("max_size"));
    assertEquals(9L, large.getJsonArray("instances").getJsonObject(1).getValue("max_concurrency"));
    assertEquals(2, large.getJsonArray("instances").getJsonObject(0).getValue("max_concurrency"), "index 0 untouched");
    assertEquals("large_v2", out.getJsonObject("models").getValue("gpt-4o"));
  }

  @Test
  void namesWithUnderscoresResolveByWalkingTheDocumentNotBySplitting() {
    // POOLS_LARGE_V2_... must reach pool large_v2, not pool large with a key "v2_..."
    JsonObject out = apply(Map.of("POOLGATE_POOLS_LARGE_V2_INSTANCES_0_WEIGHT", "4"));
    assertEquals(4L, out.getJsonObject("pools").getJsonObject("large_v2").getJsonArray("instances")
        .getJsonObject(0).getValue("weight"));
    assertFalse(out.getJsonObject("pools").getJsonObject("large").containsKey("v2"));
  }

  @Test
  void knownKeysAbsentFromTheFileCanBeSet() {
    EnvOverrides.Result r = EnvOverrides.apply(doc(), Map.of(
        "POOLGATE_ADMIN_TOKEN", "a-token-of-twenty-chars",
        "POOLGATE_HEALTH_PROBE_INTERVAL_MS", "1234",
        "POOLGATE_POOLS_LARGE_V2_QUEUE_TIMEOUT_MS", "500"));
    assertEquals("a-token-of-twenty-chars", r.config().getJsonObject("admin").getString("token"));
    assertEquals(1234L, r.config().getJsonObject("health").getValue("probe_interval_ms"));
    assertEquals(500L, r.config().getJsonObject("pools").getJsonObject("large_v2").getJsonObject("queue")
        .getValue("timeout_ms"));
    assertEquals("POOLGATE_ADMIN_TOKEN", r.variableOf("admin.token"));
    assertEquals("pools.large_v2.queue.timeout_ms", r.applied().stream()
        .filter(a -> a.variable().equals("POOLGATE_POOLS_LARGE_V2_QUEUE_TIMEOUT_MS")).findFirst().orElseThrow().key());
  }

  @Test
  void valuesAreYamlScalars() {
    assertEquals(true, EnvOverrides.scalar("true"));
    assertEquals(false, EnvOverrides.scalar("false"));
    assertEquals(42L, EnvOverrides.scalar("42"));
    assertEquals(0.25, EnvOverrides.scalar("0.25"));
    assertEquals("42", EnvOverrides.scalar("'42'"));
    assertEquals("sk-abc", EnvOverrides.scalar("sk-abc"));
    assertNull(EnvOverrides.scalar("~"));
  }

  @Test
  void clusterAndLoggingVariablesAreNotConfigKeysAndTyposAreReported() {
    EnvOverrides.Result r = EnvOverrides.apply(doc(), Map.of(
        "POOLGATE_HZ_PORT", "5702", "POOLGATE_EVENTBUS_HOST", "10.0.0.1", "POOLGATE_CLUSTER_CONFIG", "x.xml",
        "POOLGATE_LOG_FORMAT", "JSON", "POOLGATE_SERVR_PORT", "1", "POOLGATE_POOLS_NOPE_WEIGHT", "2", "HOME", "/root"));
    assertEquals(doc(), r.config(), "nothing changed");
    assertEquals(List.of("POOLGATE_POOLS_NOPE_WEIGHT", "POOLGATE_SERVR_PORT"), r.unmatched());
    assertTrue(r.applied().isEmpty());
  }

  @Test
  void aVariableNeverReplacesAWholeSectionNorCreatesAPool() {
    EnvOverrides.Result r = EnvOverrides.apply(doc(), Map.of("POOLGATE_SERVER", "x", "POOLGATE_POOLS_NEW_WEIGHT", "1"));
    assertEquals(doc(), r.config());
    assertEquals(2, r.unmatched().size());
  }

  @Test
  void theInputIsNotChanged() {
    JsonObject in = doc();
    EnvOverrides.apply(in, Map.of("POOLGATE_SERVER_PORT", "1"));
    assertEquals(doc(), in);
  }

  @Test
  void aBadValueNamesTheKeyAndTheVariable() {
    JsonObject cfg = doc();
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse(cfg, Map.of("POOLGATE_SERVER_PORT", "abc")));
    assertEquals("server.port", e.key());
    assertTrue(e.getMessage().contains("POOLGATE_SERVER_PORT"), e.getMessage());
    assertTrue(e.getMessage().startsWith("server.port: "), e.getMessage());

    ConfigException deep = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse(cfg, Map.of("POOLGATE_POOLS_LARGE_INSTANCES_0_MAX_CONCURRENCY", "0")));
    assertEquals("pools.large.instances[0].max_concurrency", deep.key());
    assertTrue(deep.getMessage().contains("POOLGATE_POOLS_LARGE_INSTANCES_0_MAX_CONCURRENCY"), deep.getMessage());
  }

  @Test
  void substitutionComesFirstThenOverridesWin() {
    JsonObject cfg = doc();
    cfg.getJsonObject("server").put("port", "${PORT_FROM_ENV}");
    GatewayConfig parsed = ConfigLoader.parse(cfg, Map.of("PORT_FROM_ENV", "7000", "POOLGATE_SERVER_PORT", "7001"));
    assertEquals(7001, parsed.server().port());
    assertEquals(7000, ConfigLoader.parse(cfg, Map.of("PORT_FROM_ENV", "7000")).server().port());
    assertEquals(12, ConfigLoader.parse(cfg, Map.of("PORT_FROM_ENV", "7000",
        "POOLGATE_POOLS_LARGE_QUEUE_MAX_SIZE", "12")).pools().get("large").queue().maxSize());
  }

  /**
   * The walk knows every key each section accepts, so a variable can set a key the file lacks:
   * the parser's own list (from its unknown-key error) must be covered.
   */
  @Test
  void theKnownKeysFollowTheParser() {
    Map<String, java.util.function.Consumer<JsonObject>> sections = new java.util.LinkedHashMap<>();
    sections.put("", d -> d.put("zz", 1));
    for (String s : List.of("server", "health", "retry", "admin", "usage")) {
      sections.put(s, d -> d.put(s, new JsonObject().put("zz", 1)));
    }
    sections.put("pools.*", d -> pool(d).put("zz", 1));
    sections.put("pools.*.queue", d -> pool(d).put("queue", new JsonObject().put("zz", 1)));
    sections.put("pools.*.cache", d -> pool(d).put("cache", new JsonObject().put("zz", 1)));
    sections.put("pools.*.instances.*", d -> pool(d).getJsonArray("instances").getJsonObject(0).put("zz", 1));
    sections.put("pools.*.instances.*.mock", d -> pool(d).getJsonArray("instances").getJsonObject(0)
        .put("mock", new JsonObject().put("zz", 1)));
    sections.put("models.*", d -> d.getJsonObject("models").put("m", new JsonObject().put("pool", "large").put("zz", 1)));
    sections.put("keys.*", d -> d.put("keys", new JsonObject().put("k", new JsonObject()
        .put("key", "a-key-of-sixteen-chars").put("zz", 1))));
    sections.forEach((pattern, breakIt) -> {
      JsonObject d = doc();
      breakIt.accept(d);
      ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(d, Map.of()), pattern);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("known: ([^)]*)\\)").matcher(e.getMessage());
      assertTrue(m.find(), e.getMessage());
      for (String key : m.group(1).split(", ")) {
        assertTrue(EnvOverrides.known(pattern).contains(key), pattern + " misses '" + key + "'");
      }
    });
  }

  private static JsonObject pool(JsonObject d) {
    return d.getJsonObject("pools").getJsonObject("large");
  }
}
