package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Azure OpenAI instances: deployment URL, api-version, api-key / Entra auth, malformed answers. */
class AzureTest extends GatewayTestBase {
  static final String VERSION = "2024-10-21";

  static JsonObject azure(String id, FakeOpenAi fake) {
    return new JsonObject().put("id", id).put("provider", "azure").put("url", fake.azureUrl())
        .put("api_key", "azure-key").put("max_concurrency", 2).put("timeout_ms", 5_000).put("connect_timeout_ms", 1_000);
  }

  private FakeOpenAi azureFake() {
    return fake().azure("gpt4o-deploy", VERSION, "azure-key");
  }

  @Test
  void chatGoesToTheDeploymentWithApiVersionAndApiKey() {
    FakeOpenAi up = azureFake();
    gateway(onePool(azure("az", up)));

    Reply r = gw.postBlocking(chat("Hello"));

    assertEquals(200, r.status(), r.text());
    assertEquals("Hello from the fake.", r.json().getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content"));
    assertEquals("/openai/deployments/gpt4o-deploy/chat/completions?api-version=" + VERSION, up.paths().get(0));
    assertEquals("azure-key", up.apiKeys().get(0));
    assertEquals("null", up.authorizations().get(0));
    assertFalse(up.bodies().get(0).containsKey("model"), "the deployment decides the model");
  }

  @Test
  void streamsPassThrough() {
    FakeOpenAi up = azureFake();
    gateway(onePool(azure("az", up)));

    Reply r = gw.postBlocking(chat("Hello").put("stream", true));

    assertEquals(200, r.status());
    assertTrue(r.text().contains("\"content\":\" fake\""));
    assertTrue(r.text().endsWith("data: [DONE]\n\n"));
  }

  @Test
  void entraTokenIsSentAsBearerInsteadOfTheKey() {
    FakeOpenAi up = fake().azure("d", VERSION, "unused");
    JsonObject inst = new JsonObject().put("id", "az").put("provider", "azure").put("endpoint", up.baseUrl().replace("/v1", ""))
        .put("deployment", "d").put("api_version", VERSION).put("entra_token", "eyJ-token").put("max_concurrency", 1);
    gateway(onePool(inst));

    Reply r = gw.postBlocking(chat("Hello"));

    assertEquals(401, r.status(), "the fake wants an api-key: the error passes through");
    assertEquals("Bearer eyJ-token", up.authorizations().get(0));
    assertEquals("null", up.apiKeys().get(0));
  }

  @Test
  void aWrongApiVersionIsAzures404PassedThrough() {
    // the fake serves another api-version than the instance asks for
    FakeOpenAi up = fake().azure("gpt4o-deploy", VERSION, "azure-key");
    JsonObject inst = azure("az", up);
    up.azure("gpt4o-deploy", "2099-01-01", "azure-key");
    gateway(onePool(inst));

    Reply r = gw.postBlocking(chat("Hello"));

    assertEquals(404, r.status());
    assertEquals("Resource not found", r.json().getJsonObject("error").getString("message"));
  }

  @Test
  void malformedAnswersAreRetriedOnAnotherInstanceBeforeTheFirstByte() {
    String[][] malformed = {
        {"200", "application/json", "{\"choices\": [oops"},
        {"200", "text/plain", "Hello"},
        {"502", "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"},
    };
    FakeOpenAi bad = azureFake();
    FakeOpenAi good = fake().azure("gpt4o-deploy", VERSION, "azure-key");
    gateway(onePool(azure("bad", bad).put("weight", 1000), azure("good", good)));
    for (String[] m : malformed) {
      bad.answerRaw(Integer.parseInt(m[0]), m[1], m[2]);
      for (boolean stream : new boolean[] {false, true}) {
        Reply r = gw.postBlocking(chat("Hello").put("stream", stream));
        assertEquals(200, r.status(), m[2] + " stream=" + stream + ": " + r.text());
        assertEquals("good", r.header("x-poolgate-instance"));
      }
    }
  }

  @Test
  void aStreamBreakingAfterItStartedEndsWithAnErrorEvent() {
    FakeOpenAi broken = azureFake().breakAfter(2).chunkDelay(50);
    gateway(onePool(azure("az", broken)));

    Reply r = gw.postBlocking(chat("Hello").put("stream", true));

    assertEquals(200, r.status());
    assertTrue(r.text().contains("\"error\""), r.text());
    assertFalse(r.text().contains("[DONE]"));
  }

  @Test
  void embeddingsGoToTheDeployment() {
    FakeOpenAi up = azureFake();
    gateway(onePool(azure("az", up)));

    Reply r = await(gw.post("/v1/embeddings", new JsonObject().put("model", "gpt-test").put("input", "hi").toBuffer(),
        java.util.Map.of("content-type", "application/json")));

    assertEquals(200, r.status(), r.text());
    assertEquals("/openai/deployments/gpt4o-deploy/embeddings?api-version=" + VERSION, up.paths().get(0));
  }
}
