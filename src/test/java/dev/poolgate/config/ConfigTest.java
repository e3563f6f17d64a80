package dev.poolgate.config;

import dev.poolgate.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example config parses; every kind of bad config fails with one message naming the key. */
@ExtendWith(VertxExtension.class)
class ConfigTest {
  private static final String UNSET = "POOLGATE_TEST_SURELY_UNSET_VARIABLE";

  /** A small valid config to break in one place per test. */
  private static JsonObject valid() {
    return new JsonObject()
        .put("server", new JsonObject().put("port", 9999))
        .put("pools", new JsonObject()
            .put("large", new JsonObject()
                .put("fallback", "small")
                .put("instances", new JsonArray()
                    .add(new JsonObject().put("id", "l1").put("provider", "openai")
                        .put("base_url", "http://127.0.0.1:1/v1/").put("model", "m").put("max_concurrency", 2))
                    .add(new JsonObject().put("id", "l2").put("provider", "mock").put("max_concurrency", 1))))
            .put("small", new JsonObject()
                .put("instances", new JsonArray()
                    .add(new JsonObject().put("id", "s1").put("provider", "mock").put("max_concurrency", 3)))))
        .put("models", new JsonObject().put("gpt-4o", "large"));
  }

  private static JsonObject instance0(JsonObject cfg) {
    return cfg.getJsonObject("pools").getJsonObject("large").getJsonArray("instances").getJsonObject(0);
  }

  private static void assertRejected(String key, Consumer<JsonObject> breakIt) {
    JsonObject cfg = valid();
    breakIt.accept(cfg);
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(cfg));
    assertTrue(e.getMessage().startsWith(key + ": "), "message names " + key + ": " + e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one message: " + e.getMessage());
  }

  @Test
  void theTimeBudgetSaysWhatEachBoundBoundsAndTimeoutMsStaysTheirDefault() {
    TimeBudget defaults = ConfigLoader.parse(valid()).instances().get("l1").budget();
    assertEquals(new TimeBudget(5_000, 60_000, 60_000, 600_000), defaults);

    JsonObject cfg = valid();
    instance0(cfg).put("timeout_ms", 1_000).put("connect_timeout_ms", 500);
    assertEquals(new TimeBudget(500, 1_000, 1_000, 600_000), ConfigLoader.parse(cfg).instances().get("l1").budget(),
        "timeout_ms sets the first-byte and idle bounds, as it set the one idle timeout before");

    cfg = valid();
    instance0(cfg).put("timeout_ms", 1_000).put("first_byte_timeout_ms", 30_000).put("idle_timeout_ms", 2_000)
        .put("total_timeout_ms", 90_000);
    assertEquals(new TimeBudget(5_000, 30_000, 2_000, 90_000), ConfigLoader.parse(cfg).instances().get("l1").budget());

    assertRejected("pools.large.instances[0].total_timeout_ms", c -> instance0(c)
        .put("first_byte_timeout_ms", 10_000).put("total_timeout_ms", 5_000));
    assertRejected("pools.large.instances[0].idle_timeout_ms", c -> instance0(c).put("idle_timeout_ms", 0));
    assertRejected("pools.large.instances[0].first_byte_timeout_ms", c -> instance0(c)
        .put("first_byte_timeout_ms", "soon"));
  }

  @Test
  void theExampleConfigParses(Vertx vertx) {
    GatewayConfig cfg = Await.await(new ConfigLoader(vertx, "conf/config.yaml", 60_000).load());

    assertEquals(List.of("large", "small"), List.copyOf(cfg.pools().keySet()));
    assertEquals("large", cfg.models().get("gpt-4o"));
    assertEquals("small", cfg.models().get("gpt-4o-mini"));
    assertEquals(List.of("large", "small"), cfg.fallbackChain("large"));
    InstanceConfig a = cfg.instances().get("large-a");
    assertEquals(4, a.maxConcurrency());
    assertEquals(2, a.weight());
    assertEquals("mock", a.provider());
    assertEquals(8, cfg.instances().get("small-a").maxConcurrency());
    assertEquals(3, cfg.instances().size());
    assertEquals(4, cfg.health().policy().unhealthyAfter());
    assertEquals(3, cfg.retry().maxAttempts());
    assertEquals(1000, cfg.pools().get("large").queue().maxSize());
    assertEquals(3, cfg.poolSpecs().stream().mapToInt(p -> p.instances().size()).sum());
  }

  @Test
  void defaultsAndNormalisation() {
    GatewayConfig cfg = ConfigLoader.parse(valid());
    InstanceConfig l1 = cfg.instances().get("l1");
    assertEquals("http://127.0.0.1:1/v1", l1.baseUrl(), "trailing slash stripped");
    assertEquals(InstanceConfig.DEFAULT_WEIGHT, l1.weight());
    assertEquals("small", cfg.models().get("small"), "pool names are model names too");
    assertEquals(QueueConfig.DEFAULT, cfg.pools().get("small").queue());
    assertNull(cfg.pools().get("small").fallback());
    assertEquals(List.of("small"), cfg.fallbackChain("small"));
  }

  @Test
  void environmentVariablesAreSubstituted() {
    JsonObject cfg = valid();
    instance0(cfg).put("api_key", "${OPENAI_KEY}").put("max_concurrency", "${CAP:-7}");
    GatewayConfig parsed = GatewayConfig.fromJson(EnvSubstitution.apply(cfg, Map.of("OPENAI_KEY", "sk-abc")));
    assertEquals("sk-abc", parsed.instances().get("l1").apiKey());
    assertEquals(7, parsed.instances().get("l1").maxConcurrency(), "default used, number read from a string");
  }

  @Test
  void missingEnvironmentVariable() {
    assertRejected("pools.large.instances[0].api_key", c -> instance0(c).put("api_key", "${" + UNSET + "}"));
    JsonObject cfg = valid();
    instance0(cfg).put("api_key", "${" + UNSET + "}");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(cfg));
    assertTrue(e.getMessage().contains(UNSET), "names the variable: " + e.getMessage());
  }

  @Test
  void unknownProvider() {
    assertRejected("pools.large.instances[0].provider", c -> instance0(c).put("provider", "nonesuch"));
  }

  @Test
  void missingFields() {
    assertRejected("pools.large.instances[0].max_concurrency", c -> instance0(c).remove("max_concurrency"));
    assertRejected("pools.large.instances[0].model", c -> instance0(c).remove("model"));
    assertRejected("pools.large.instances[0].base_url", c -> instance0(c).remove("base_url"));
    assertRejected("pools.large.instances[0].id", c -> instance0(c).remove("id"));
    assertRejected("pools.large.instances[0].provider", c -> instance0(c).remove("provider"));
    assertRejected("pools", c -> c.put("pools", new JsonObject()));
    assertRejected("pools.small.instances", c -> c.getJsonObject("pools").getJsonObject("small")
        .put("instances", new JsonArray()));
  }

  @Test
  void duplicateInstanceId() {
    assertRejected("pools.small.instances[0].id", c -> c.getJsonObject("pools").getJsonObject("small")
        .getJsonArray("instances").getJsonObject(0).put("id", "l1"));
  }

  @Test
  void capBelowOne() {
    assertRejected("pools.large.instances[0].max_concurrency", c -> instance0(c).put("max_concurrency", 0));
    assertRejected("pools.large.instances[0].max_concurrency", c -> instance0(c).put("max_concurrency", -3));
    assertRejected("pools.large.instances[0].max_concurrency", c -> instance0(c).put("max_concurrency", "lots"));
    assertRejected("pools.large.instances[0].weight", c -> instance0(c).put("weight", 0));
  }

  @Test
  void unknownPoolInModelsOrFallback() {
    assertRejected("models.gpt-4o", c -> c.getJsonObject("models").put("gpt-4o", "huge"));
    assertRejected("pools.large.fallback", c -> c.getJsonObject("pools").getJsonObject("large")
        .put("fallback", "nowhere"));
    assertRejected("pools.large.fallback", c -> c.getJsonObject("pools").getJsonObject("large")
        .put("fallback", "large"));
  }

  @Test
  void strategiesRateLimitsAndDefaultPool() {
    GatewayConfig plain = ConfigLoader.parse(valid());
    assertEquals(dev.poolgate.scheduling.Strategy.LEAST_LOAD, plain.pools().get("large").strategy());
    assertEquals("large", plain.defaultPool(), "the first pool by default");
    assertEquals(0, plain.instances().get("l1").maxRps());
    assertEquals(0, plain.instances().get("l1").maxTpm());

    JsonObject cfg = valid().put("default_pool", "small");
    cfg.getJsonObject("pools").getJsonObject("large").put("strategy", "latency").put("latency_decay_ms", 5_000);
    instance0(cfg).put("max_rps", 5).put("max_tpm", 90_000);
    GatewayConfig parsed = ConfigLoader.parse(cfg);
    assertEquals("small", parsed.defaultPool());
    var spec = parsed.poolSpecs().get(0);
    assertEquals(dev.poolgate.scheduling.Strategy.LATENCY, spec.strategy());
    assertEquals(5_000, spec.latencyDecayMs());
    assertEquals(5, spec.instances().get(0).maxRps());
    assertEquals(90_000, spec.instances().get(0).maxTpm());

    assertRejected("pools.large.strategy", c -> c.getJsonObject("pools").getJsonObject("large").put("strategy", "fastest"));
    assertRejected("pools.large.instances[0].max_rps", c -> instance0(c).put("max_rps", 0));
    assertRejected("pools.large.instances[0].max_rps", c -> instance0(c).put("max_rps", 1_000_000));
    assertRejected("pools.large.instances[0].max_tpm", c -> instance0(c).put("max_tpm", -1));
    assertRejected("default_pool", c -> c.put("default_pool", "huge"));
  }

  @Test
  void unknownKeysAndWrongTypes() {
    assertRejected("pools.large.instances[0].max_concurency", c -> instance0(c).put("max_concurency", 2));
    assertRejected("serv", c -> c.put("serv", new JsonObject()));
    assertRejected("server.port", c -> c.getJsonObject("server").put("port", 70_000));
    assertRejected("pools.large.instances[0].base_url", c -> instance0(c).put("base_url", "ftp://x"));
    assertRejected("pools.large.instances[1]", c -> c.getJsonObject("pools").getJsonObject("large")
        .getJsonArray("instances").set(1, "not a mapping"));
    assertRejected("health.unhealthy_after", c -> c.put("health", new JsonObject()
        .put("degrade_after", 3).put("unhealthy_after", 2)));
    assertRejected("retry.max_attempts", c -> c.put("retry", new JsonObject().put("max_attempts", 0)));
  }

  @Test
  void aBadYamlFileFailsToLoad(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, """
        pools:
          large:
            instances:
              - id: a
                provider: mock
                max_concurrency: 0
        """);
    Throwable t = Await.awaitFailure(new ConfigLoader(vertx, file.toString(), 60_000).load());
    assertInstanceOf(ConfigException.class, t);
    assertTrue(t.getMessage().startsWith("pools.large.instances[0].max_concurrency: "), t.getMessage());

    ConfigException missing = assertThrows(ConfigException.class,
        () -> new ConfigLoader(vertx, dir.resolve("nope.yaml").toString(), 60_000));
    assertTrue(missing.getMessage().startsWith("config file: "));
  }

  @Test
  void aYamlSyntaxErrorNamesTheFileAndTheLine(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, """
        pools:
          large:
            instances: [ { id: a, provider: mock
        """);
    Throwable t = Await.awaitFailure(new ConfigLoader(vertx, file.toString(), 60_000).load());
    assertInstanceOf(ConfigException.class, t);
    assertTrue(t.getMessage().startsWith(file + ": is not valid YAML at line "), t.getMessage());
    assertFalse(t.getMessage().contains("'string'"), t.getMessage());
  }

  @Test
  void unquotedDatesAreReadAsTheKeyExpects(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("azure.yaml");
    // exactly as the README's Azure example writes them: YAML would read both as timestamps
    Files.writeString(file, """
        pools:
          az:
            instances:
              - id: az-west
                provider: azure
                endpoint: https://my-west.openai.azure.com
                deployment: gpt-4o
                api_version: 2024-10-21
                api_key: k
                max_concurrency: 10
        keys:
          team-a:
            key: team-a-key-0123456789
            expires_at: 2027-01-31T00:00:00Z
        """);
    GatewayConfig cfg = Await.await(new ConfigLoader(vertx, file.toString(), 60_000).load());
    assertEquals("2024-10-21", cfg.instances().get("az-west").settings().getString("api_version"));
    assertEquals(java.time.Instant.parse("2027-01-31T00:00:00Z"), cfg.keys().get("team-a").expiresAt());

    Files.writeString(file, """
        server: { port: 2024-10-21 }
        pools: { p: { instances: [ { id: a, provider: mock, max_concurrency: 1 } ] } }
        """);
    Throwable t = Await.awaitFailure(new ConfigLoader(vertx, file.toString(), 60_000).load());
    assertEquals("server.port: must be a whole number, got '2024-10-21'", t.getMessage());
  }

  @Test
  void aMisspeltRequiredKeyIsNamedAsWhatWasProbablyMeant() {
    JsonObject cfg = valid();
    instance0(cfg).remove("max_concurrency");
    instance0(cfg).put("max_concurency", 2);
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(cfg));
    assertEquals("pools.large.instances[0].max_concurrency: is required; pools.large.instances[0].max_concurency "
        + "is an unknown key and is probably meant", e.getMessage());

    JsonObject extra = valid();
    instance0(extra).put("wieght", 2);
    ConfigException unknown = assertThrows(ConfigException.class, () -> ConfigLoader.parse(extra));
    assertTrue(unknown.getMessage().startsWith("pools.large.instances[0].wieght: unknown key, probably meant weight ("),
        unknown.getMessage());
    assertEquals(null, Fields.closest("port", java.util.Set.of("host")));
  }
}
