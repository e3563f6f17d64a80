package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The anthropic and bedrock entries of the provider catalog: defaults and their own settings keys. */
class ProviderSettingsTest {

  private static JsonObject config(JsonObject instance) {
    return new JsonObject()
        .put("pools", new JsonObject().put("p", new JsonObject().put("instances", new JsonArray().add(instance))))
        .put("models", new JsonObject().put("m", "p"));
  }

  private static JsonObject instance(String provider) {
    return new JsonObject().put("id", "i").put("provider", provider).put("model", "x").put("max_concurrency", 1);
  }

  private static InstanceConfig parse(JsonObject instance) {
    return ConfigLoader.parse(config(instance)).instances().get("i");
  }

  private static void assertRejected(String key, JsonObject instance) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config(instance)));
    assertTrue(e.getMessage().startsWith(key), "names " + key + ": " + e.getMessage());
  }

  @Test
  void anthropicDefaultsAndSettings() {
    InstanceConfig inst = parse(instance("anthropic").put("api_key", "k").put("default_max_tokens", 1000)
        .put("anthropic_version", "2023-06-01"));
    assertEquals("anthropic", inst.adapter());
    assertEquals("https://api.anthropic.com", inst.baseUrl());
    assertEquals(1000, inst.settings().getInteger("default_max_tokens"));

    assertRejected("pools.p.instances[0].default_max_tokens", instance("anthropic").put("default_max_tokens", 0));
    assertRejected("pools.p.instances[0].region", instance("anthropic").put("region", "eu-west-3"));
  }

  @Test
  void bedrockNeedsARegionAndAKeyPair() {
    InstanceConfig inst = parse(instance("bedrock").put("region", "eu-west-3")
        .put("access_key_id", "AKID").put("secret_access_key", "s"));
    assertEquals("bedrock", inst.adapter());
    assertEquals("https://bedrock-runtime.{region}.amazonaws.com", inst.baseUrl(), "the region is filled in per call");

    if (System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null) {
      assertRejected("pools.p.instances[0].region",
          instance("bedrock").put("access_key_id", "AKID").put("secret_access_key", "s"));
    }
    assertRejected("pools.p.instances[0].secret_access_key",
        instance("bedrock").put("region", "eu-west-3").put("access_key_id", "AKID"));
    assertRejected("pools.p.instances[0].access_key_id",
        instance("bedrock").put("region", "eu-west-3").put("secret_access_key", "s"));
  }
}
