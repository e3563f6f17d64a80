package dev.poolgate.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.poolgate.testing.FakeOpenAi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official OpenAI Java SDK, pointed at the gateway, sees a real OpenAI API. */
class OpenAiSdkTest extends GatewayTestBase {
  private FakeOpenAi up;
  private OpenAIClient sdk;

  @BeforeEach
  void start() {
    up = fake();
    gateway(onePool(instance("a", up, 2)));
    sdk = OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + gw.port() + "/v1")
        .apiKey("sk-client")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  private static ChatCompletionCreateParams params(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").build();
  }

  @Test
  void chatCompletion() {
    ChatCompletion completion = sdk.chat().completions().create(params("gpt-test"));

    assertEquals("Hello from the fake.", completion.choices().get(0).message().content().orElseThrow());
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
    assertEquals(5, completion.usage().orElseThrow().completionTokens());
    assertEquals(1, up.requests());
  }

  @Test
  void streamedChatCompletion() {
    StringBuilder content = new StringBuilder();
    int chunks;
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(params("gpt-test"))) {
      List<ChatCompletionChunk> all = stream.stream().toList();
      chunks = all.size();
      all.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
      assertTrue(all.stream().allMatch(c -> c.usage().isEmpty()), "usage chunk dropped: the SDK did not ask");
    }
    assertEquals("Hello from the fake.", content.toString());
    assertEquals(7, chunks);
  }

  @Test
  void unknownModelIsTheSdksNotFound() {
    NotFoundException e = assertThrows(NotFoundException.class,
        () -> sdk.chat().completions().create(params("gpt-nope")));
    assertEquals(404, e.statusCode());
    assertEquals(0, up.requests());
  }
}
