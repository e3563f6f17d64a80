package dev.poolgate.it;

import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.poolgate.testing.FakeOpenAi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The official OpenAI Java SDK in Azure mode (legacy deployment paths, {@code api-key},
 * {@code api-version}) pointed at poolgate's {@code /openai/deployments/...} routes: the
 * deployment name is the model name.
 */
class AzureSdkTest extends GatewayTestBase {
  private FakeOpenAi up;
  private OpenAIClient sdk;

  @BeforeEach
  void start() {
    up = fake();
    gateway(onePool(instance("a", up, 2)));
    sdk = OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + gw.port())
        .credential(AzureApiKeyCredential.create("azure-client-key"))
        .azureServiceVersion(AzureOpenAIServiceVersion.latestStableVersion())
        .azureUrlPathMode(AzureUrlPathMode.LEGACY)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  private static ChatCompletionCreateParams params() {
    return ChatCompletionCreateParams.builder().model("gpt-test").addUserMessage("Say hello").build();
  }

  @Test
  void chatCompletionThroughTheDeploymentRoute() {
    ChatCompletion completion = sdk.chat().completions().create(params());

    assertEquals("Hello from the fake.", completion.choices().get(0).message().content().orElseThrow());
    assertEquals(1, up.requests());
    assertEquals(FakeOpenAi.MODEL, up.bodies().get(0).getString("model"), "gpt-test resolved through models");
  }

  @Test
  void streamedChatCompletionThroughTheDeploymentRoute() {
    StringBuilder content = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(params())) {
      stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
    }
    assertEquals("Hello from the fake.", content.toString());
  }

  @Test
  void responsesThroughTheAzurePath() {
    Response response = sdk.responses().create(ResponseCreateParams.builder().model("gpt-test").input("Say hello")
        .build());

    assertEquals("Hello from the fake.", response.output().get(0).message().orElseThrow().content().get(0)
        .outputText().orElseThrow().text());
    assertEquals(1, up.requests());
  }

  @Test
  void embeddingsThroughTheDeploymentRoute() {
    CreateEmbeddingResponse r = sdk.embeddings().create(EmbeddingCreateParams.builder()
        .model("gpt-test").input("hello").build());

    assertEquals(1, r.data().size());
    assertEquals(3, r.data().get(0).embedding().size());
  }
}
