package dev.poolgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Presets fill their defaults; Azure deployment settings and URLs parse or fail naming the key. */
class CloudProvidersConfigTest {
  private static final String KEY = "pools.p.instances[0]";

  private static InstanceConfig parse(JsonObject instance) {
    JsonObject cfg = new JsonObject()
        .put("pools", new JsonObject().put("p", new JsonObject().put("instances", new JsonArray()
            .add(instance.put("id", "i").put("max_concurrency", 1)))));
    return ConfigLoader.parse(cfg).instances().get("i");
  }

  private static void assertRejected(String key, JsonObject instance) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(instance));
    assertTrue(e.getMessage().startsWith(KEY + "." + key + ": "), e.getMessage());
  }

  @Test
  void presetsResolveTheirDefaultsOnTheOpenAiAdapter() {
    String[][] presets = {
        {"deepseek", "https://api.deepseek.com/v1"},
        {"qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1"},
        {"zhipu", "https://open.bigmodel.cn/api/paas/v4"},
        {"moonshot", "https://api.moonshot.cn/v1"},
        {"ollama", "http://127.0.0.1:11434/v1"},
        {"gemini", "https://generativelanguage.googleapis.com/v1beta"},
    };
    for (String[] p : presets) {
      InstanceConfig i = parse(new JsonObject().put("provider", p[0]).put("model", "m").put("api_key", "k"));
      assertEquals(p[1], i.baseUrl(), p[0]);
      assertEquals(p[0].equals("gemini") ? "gemini" : "openai", i.adapter(), p[0]);
      assertEquals(p[0], i.provider());
    }
    InstanceConfig ollama = parse(new JsonObject().put("provider", "ollama").put("model", "llama3.2"));
    assertNull(ollama.apiKey(), "ollama needs no key");
    InstanceConfig own = parse(new JsonObject().put("provider", "deepseek").put("model", "m")
        .put("base_url", "https://proxy.example/v1/"));
    assertEquals("https://proxy.example/v1", own.baseUrl(), "base_url still wins");
  }

  @Test
  void vllmNeedsABaseUrl() {
    assertRejected("base_url", new JsonObject().put("provider", "vllm").put("model", "m"));
    assertEquals("http://10.0.0.5:8000/v1", parse(new JsonObject().put("provider", "vllm").put("model", "m")
        .put("base_url", "http://10.0.0.5:8000/v1")).baseUrl());
  }

  @Test
  void azureFromEndpointDeploymentAndVersion() {
    InstanceConfig i = parse(new JsonObject().put("provider", "azure").put("endpoint", "https://res.openai.azure.com/")
        .put("deployment", "gpt4o-prod").put("api_version", "2024-10-21").put("api_key", "k"));
    assertEquals("https://res.openai.azure.com/openai/deployments/gpt4o-prod", i.baseUrl());
    assertEquals("azure", i.adapter());
    assertEquals(new AzureDeployment("https://res.openai.azure.com", "gpt4o-prod", "2024-10-21"),
        AzureDeployment.of(i.settings()));
  }

  @Test
  void azureFromAFullDeploymentUrl() {
    InstanceConfig i = parse(new JsonObject().put("provider", "azure").put("url",
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview"));
    assertEquals("https://res.openai.azure.com/openai/deployments/gpt-4o", i.baseUrl());
    assertEquals("2025-01-01-preview", AzureDeployment.of(i.settings()).apiVersion());
  }

  @Test
  void azureFromTheDeploymentPrefixWithTheVersionBeside() {
    AzureDeployment d = AzureDeployment.of(new JsonObject()
        .put("url", "https://my-res.openai.azure.com/openai/deployments/chat-large/").put("api_version", "2024-06-01"));
    assertEquals(new AzureDeployment("https://my-res.openai.azure.com", "chat-large", "2024-06-01"), d);
    AzureDeployment apim = AzureDeployment.parse("https://apim.azure-api.net/team-a/openai/deployments/d1/embeddings"
        + "?foo=1&api-version=2024-10-21", "url");
    assertEquals(new AzureDeployment("https://apim.azure-api.net/team-a", "d1", "2024-10-21"), apim);
  }

  @Test
  void badAzureSettingsNameTheKey() {
    assertRejected("url", new JsonObject().put("provider", "azure")
        .put("url", "https://res.openai.azure.com/v1/chat/completions?api-version=2024-10-21"));
    assertRejected("url", new JsonObject().put("provider", "azure").put("url", "res.openai.azure.com/openai/deployments/d"));
    assertRejected("api_version", new JsonObject().put("provider", "azure")
        .put("url", "https://res.openai.azure.com/openai/deployments/d/"));
    assertRejected("api_version", new JsonObject().put("provider", "azure")
        .put("url", "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=1").put("api_version", "2"));
    assertRejected("endpoint", new JsonObject().put("provider", "azure").put("url", "https://r.openai.azure.com/openai/deployments/d?api-version=1")
        .put("endpoint", "https://r.openai.azure.com"));
    assertRejected("deployment", new JsonObject().put("provider", "azure").put("endpoint", "https://r.openai.azure.com")
        .put("api_version", "1"));
    assertRejected("deployment", new JsonObject().put("provider", "azure").put("endpoint", "https://r.openai.azure.com")
        .put("deployment", "bad name").put("api_version", "1"));
    assertRejected("endpoint", new JsonObject().put("provider", "azure").put("endpoint", "r.openai.azure.com")
        .put("deployment", "d").put("api_version", "1"));
    assertRejected("base_url", new JsonObject().put("provider", "azure").put("base_url", "https://r.openai.azure.com")
        .put("url", "https://r.openai.azure.com/openai/deployments/d?api-version=1"));
  }
}
