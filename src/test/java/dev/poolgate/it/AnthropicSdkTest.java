package dev.poolgate.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import dev.poolgate.testing.FakeAnthropic;
import dev.poolgate.testing.FakeOpenAi;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official Anthropic Java SDK, pointed at the gateway's /v1/messages, sees a real Messages API. */
class AnthropicSdkTest extends GatewayTestBase {
  private AnthropicClient sdk;
  private FakeOpenAi openAi;
  private FakeAnthropic anthropic;

  @BeforeEach
  void start() {
    openAi = fake();
    anthropic = await(FakeAnthropic.start(vertx));
    gateway(config(new JsonObject()
        .put("openai", pool(instance("o", openAi, 2)))
        .put("claude", pool(AnthropicProviderTest.anthropic("c", anthropic))))
        .put("models", new JsonObject().put("gpt-test", "openai").put("claude-test", "claude")));
    sdk = AnthropicOkHttpClient.builder()
        .baseUrl(gw.baseUrl())
        .apiKey("sk-client")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  private static MessageCreateParams params(String model) {
    return MessageCreateParams.builder().model(model).maxTokens(256).addUserMessage("Say hello").build();
  }

  @Test
  void messageThroughBothKindsOfInstance() {
    for (String model : List.of("gpt-test", "claude-test")) {
      Message message = sdk.messages().create(params(model));

      assertEquals("Hello from the fake.", message.content().get(0).text().orElseThrow().text(), model);
      assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
      assertEquals(5, message.usage().outputTokens());
    }
  }

  @Test
  void streamThroughBothKindsOfInstance() {
    for (String model : List.of("gpt-test", "claude-test")) {
      StringBuilder text = new StringBuilder();
      List<RawMessageStreamEvent> events;
      try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params(model))) {
        events = stream.stream().toList();
      }
      events.forEach(e -> e.contentBlockDelta().flatMap(d -> d.delta().text()).ifPresent(t -> text.append(t.text())));
      assertEquals("Hello from the fake.", text.toString(), model);
      assertTrue(events.get(0).messageStart().isPresent());
      assertTrue(events.get(events.size() - 1).messageStop().isPresent());
      assertEquals(StopReason.END_TURN, events.stream().flatMap(e -> e.messageDelta().stream())
          .findFirst().orElseThrow().delta().stopReason().orElseThrow());
    }
  }

  @Test
  void requestIdIsTheOneAnthropicClientsRead() {
    try (HttpResponseFor<Message> raw = sdk.messages().withRawResponse().create(params("claude-test"))) {
      String id = raw.requestId().orElseThrow();
      assertEquals(id, raw.headers().values("x-request-id").get(0));
      assertEquals("Hello from the fake.", raw.parse().content().get(0).text().orElseThrow().text());
    }
  }

  @Test
  void countTokensPassedToAnthropicAndCountedHereForTheRest() {
    MessageCountTokensParams.Builder count = MessageCountTokensParams.builder().system("Be brief.")
        .addUserMessage("How many tokens is this sentence, please?");

    MessageTokensCount upstream = sdk.messages().countTokens(count.model("claude-test").build());
    assertEquals(FakeAnthropic.INPUT_TOKENS, upstream.inputTokens());
    JsonObject sent = anthropic.lastBody();
    assertEquals(FakeAnthropic.MODEL, sent.getString("model"));
    assertEquals("How many tokens is this sentence, please?", sent.getJsonArray("messages").getJsonObject(0)
        .getString("content"));

    // no Anthropic instance behind gpt-test: counted with the o200k_base tokenizer, no upstream call
    long local = sdk.messages().countTokens(count.model("gpt-test").build()).inputTokens();
    long longer = sdk.messages().countTokens(count.model("gpt-test")
        .addUserMessage("And this one, which is quite a bit longer than the first, how many?").build()).inputTokens();
    assertTrue(local > 8 && local < 40, "tokens: " + local);
    assertTrue(longer > local + 10, local + " then " + longer);
    assertEquals(0, openAi.requests());
  }

  @Test
  void unknownModelIsTheSdksNotFound() {
    NotFoundException e = assertThrows(NotFoundException.class, () -> sdk.messages().create(params("nope")));
    assertEquals(404, e.statusCode());
  }
}
