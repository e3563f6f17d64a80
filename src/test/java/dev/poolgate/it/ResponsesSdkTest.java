package dev.poolgate.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ToolChoiceOptions;
import dev.poolgate.testing.FakeAnthropic;
import dev.poolgate.testing.FakeBedrock;
import dev.poolgate.testing.FakeGemini;
import dev.poolgate.testing.FakeOpenAi;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java SDK's {@code responses()} service against the gateway: passed through
 * to an OpenAI instance, translated through chat for an Anthropic and a mock instance, plain and
 * streamed, with function tools and their round trip.
 */
class ResponsesSdkTest extends GatewayTestBase {
  private static final List<String> MODELS = List.of("gpt-test", "claude-test", "mock-test");
  private FakeOpenAi openAi;
  private FakeAnthropic anthropic;
  private OpenAIClient sdk;

  @BeforeEach
  void start() {
    openAi = fake();
    anthropic = await(FakeAnthropic.start(vertx));
    JsonObject mock = new JsonObject().put("id", "m").put("provider", "mock").put("max_concurrency", 2)
        .put("mock", new JsonObject().put("latency_ms", 0));
    gateway(config(new JsonObject()
        .put("openai", pool(instance("o", openAi, 2)))
        .put("claude", pool(AnthropicProviderTest.anthropic("c", anthropic)))
        .put("mock", pool(mock)))
        .put("models", new JsonObject().put("gpt-test", "openai").put("claude-test", "claude")
            .put("mock-test", "mock")));
    sdk = sdk();
  }

  private OpenAIClient sdk() {
    return OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + gw.port() + "/v1")
        .apiKey("sk-client")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  /** Replaces the gateway (and the SDK pointing at it) with one of this config. */
  private void regateway(JsonObject config) {
    sdk.close();
    await(gw.close());
    gateway(config);
    sdk = sdk();
  }

  @AfterEach
  void closeSdk() {
    sdk.close();
    await(anthropic.close());
  }

  private static ResponseCreateParams.Builder params(String model) {
    return ResponseCreateParams.builder().model(model).instructions("Be brief.").input("Say hello")
        .maxOutputTokens(200L).temperature(0.5);
  }

  private static FunctionTool weatherTool() {
    return FunctionTool.builder().name("get_weather").description("The weather in a city").strict(false)
        .parameters(FunctionTool.Parameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .build())
        .build();
  }

  private static String text(Response response) {
    StringBuilder sb = new StringBuilder();
    response.output().forEach(item -> item.message().ifPresent(m -> m.content().forEach(c ->
        c.outputText().ifPresent(t -> sb.append(t.text())))));
    return sb.toString();
  }

  @Test
  void responseFromEveryKindOfInstance() {
    for (String model : MODELS) {
      Response response = sdk.responses().create(params(model).build());

      assertFalse(text(response).isEmpty(), model);
      assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow(), model);
      assertTrue(response.id().startsWith("resp_"), model);
      assertTrue(response.usage().orElseThrow().outputTokens() > 0, model);
      assertEquals("Be brief.", response.instructions().orElseThrow().asString(), model);
    }
    assertEquals("Hello from the fake.", text(sdk.responses().create(params("claude-test").build())));
    // passed through to OpenAI as it is: the Responses path, nothing stored upstream
    assertTrue(openAi.paths().get(0).endsWith("/v1/responses"), openAi.paths().toString());
    JsonObject upstream = openAi.bodies().get(0);
    assertEquals("Say hello", upstream.getString("input"));
    assertEquals("Be brief.", upstream.getString("instructions"));
    assertEquals(FakeOpenAi.MODEL, upstream.getString("model"));
    assertEquals(false, upstream.getValue("store"));
    // translated for Anthropic: instructions as the system prompt, max_output_tokens as max_tokens
    JsonObject messages = anthropic.lastBody();
    assertEquals("Be brief.", messages.getValue("system") instanceof String s ? s
        : messages.getJsonArray("system").getJsonObject(0).getString("text"));
    assertEquals(200, messages.getInteger("max_tokens"));
    assertEquals(0.5, messages.getDouble("temperature"));
    // usage counted from every kind of answer, like any request's
    String metrics = await(gw.send(io.vertx.core.http.HttpMethod.GET, "/metrics", io.vertx.core.buffer.Buffer.buffer(),
        Map.of())).text();
    for (String instance : List.of("o", "c", "m")) {
      assertTrue(metrics.lines().anyMatch(l -> l.startsWith("poolgate_tokens_total{") && l.contains("direction=\"out\"")
          && l.contains("instance=\"" + instance + "\"") && !l.endsWith(" 0.0")), instance + ":\n" + metrics);
    }
  }

  @Test
  void streamFromEveryKindOfInstance() {
    for (String model : MODELS) {
      List<ResponseStreamEvent> events;
      try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(params(model).build())) {
        events = stream.stream().toList();
      }
      assertTrue(events.get(0).created().isPresent(), model);
      assertTrue(events.get(1).inProgress().isPresent(), model);
      assertTrue(events.stream().anyMatch(e -> e.outputItemAdded().isPresent()), model);
      assertTrue(events.stream().anyMatch(e -> e.contentPartAdded().isPresent()), model);
      assertTrue(events.stream().anyMatch(e -> e.contentPartDone().isPresent()), model);
      assertTrue(events.stream().anyMatch(e -> e.outputItemDone().isPresent()), model);
      StringBuilder deltas = new StringBuilder();
      events.forEach(e -> e.outputTextDelta().ifPresent(d -> deltas.append(d.delta())));
      String done = events.stream().flatMap(e -> e.outputTextDone().stream()).findFirst().orElseThrow().text();
      assertEquals(done, deltas.toString(), model);
      Response completed = events.get(events.size() - 1).completed().orElseThrow().response();
      assertEquals(done, text(completed), model);
      assertTrue(completed.usage().orElseThrow().outputTokens() > 0, model);
      List<Long> sequence = new ArrayList<>();
      events.forEach(e -> sequence.add(sequenceNumber(e)));
      for (int i = 0; i < sequence.size(); i++) {
        assertEquals(i, sequence.get(i), model + " " + sequence);
      }
    }
  }

  private static long sequenceNumber(ResponseStreamEvent e) {
    try {
      return new JsonObject(ObjectMappers.jsonMapper().writeValueAsString(e)).getLong("sequence_number");
    } catch (JsonProcessingException x) {
      throw new AssertionError(x);
    }
  }

  @Test
  void functionToolsTranslatedAndTheirResultsSentBack() {
    anthropic.toolUse(true);
    ResponseCreateParams withTool = params("claude-test").addTool(weatherTool())
        .toolChoice(ToolChoiceOptions.AUTO).build();

    Response response = sdk.responses().create(withTool);
    ResponseFunctionToolCall call = response.output().stream().flatMap(i -> i.functionCall().stream())
        .findFirst().orElseThrow();
    assertEquals("get_weather", call.name());
    assertEquals("toolu_01", call.callId());
    assertEquals("Paris", new JsonObject(call.arguments()).getString("city"));
    JsonArray tools = anthropic.lastBody().getJsonArray("tools");
    assertEquals("get_weather", tools.getJsonObject(0).getString("name"));

    // streamed: the call's arguments arrive as deltas, and add up to the done event's
    List<ResponseStreamEvent> events;
    try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(withTool)) {
      events = stream.stream().toList();
    }
    StringBuilder args = new StringBuilder();
    events.forEach(e -> e.functionCallArgumentsDelta().ifPresent(d -> args.append(d.delta())));
    String doneArgs = events.stream().flatMap(e -> e.functionCallArgumentsDone().stream()).findFirst()
        .orElseThrow().arguments();
    assertEquals(doneArgs, args.toString());
    assertEquals("Paris", new JsonObject(doneArgs).getString("city"));
    assertTrue(events.stream().flatMap(e -> e.outputItemAdded().stream())
        .anyMatch(a -> a.item().functionCall().isPresent()));
    Response last = events.get(events.size() - 1).completed().orElseThrow().response();
    assertTrue(last.output().stream().anyMatch(i -> i.functionCall().isPresent()));

    // the next turn: the call and its output as input items become a tool_use / tool_result pair
    anthropic.toolUse(false);
    List<ResponseInputItem> input = new ArrayList<>();
    input.add(ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
        .content("Weather in Paris?").build()));
    input.add(ResponseInputItem.ofFunctionCall(call));
    input.add(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
        .callId(call.callId()).output("{\"temp\": 21}").build()));
    Response answer = sdk.responses().create(ResponseCreateParams.builder().model("claude-test")
        .inputOfResponse(input).addTool(weatherTool()).build());
    assertEquals("Hello from the fake.", text(answer));
    JsonArray sent = anthropic.lastBody().getJsonArray("messages");
    String wire = sent.encode();
    assertTrue(wire.contains("\"tool_use\"") && wire.contains("\"tool_result\"") && wire.contains("toolu_01"), wire);
  }

  @Test
  void functionToolsPassThroughToOpenAi() {
    Response response = sdk.responses().create(params("gpt-test").addTool(weatherTool()).build());

    assertEquals("Hello from the fake.", text(response));
    JsonObject tool = openAi.bodies().get(0).getJsonArray("tools").getJsonObject(0);
    assertEquals("function", tool.getString("type"));
    assertEquals("get_weather", tool.getString("name"));
    assertTrue(response.output().stream().allMatch(ResponseOutputItem::isMessage));
  }

  @Test
  void geminiAndBedrockGetItThroughTheirOwnTranslations() {
    FakeGemini gemini = await(FakeGemini.start(vertx));
    FakeBedrock bedrock = await(FakeBedrock.start(vertx));
    regateway(config(new JsonObject()
        .put("g", pool(GeminiTest.gemini("g", gemini)))
        .put("b", pool(BedrockProviderTest.bedrock("b", bedrock, FakeBedrock.KEY_ID))))
        .put("models", new JsonObject().put("gemini-test", "g").put("bedrock-test", "b")));
    for (String model : List.of("gemini-test", "bedrock-test")) {
      Response response = sdk.responses().create(params(model).build());
      assertFalse(text(response).isEmpty(), model);
      assertTrue(response.usage().orElseThrow().inputTokens() > 0, model);
      List<ResponseStreamEvent> events;
      try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(params(model).build())) {
        events = stream.stream().toList();
      }
      Response completed = events.get(events.size() - 1).completed().orElseThrow().response();
      assertEquals(text(response), text(completed), model);
    }
    assertTrue(gemini.requests() >= 2);
    assertTrue(bedrock.paths().size() >= 2);
  }

  @Test
  void azurePassesThroughToTheV1Api() {
    FakeOpenAi azure = fake().azure("gpt4o-deploy", AzureTest.VERSION, "azure-key");
    regateway(config(new JsonObject().put("az", pool(AzureTest.azure("az", azure))))
        .put("models", new JsonObject().put("gpt-test", "az")));
    assertEquals("Hello from the fake.", text(sdk.responses().create(params("gpt-test").build())));
    List<ResponseStreamEvent> events;
    try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(params("gpt-test").build())) {
      events = stream.stream().toList();
    }
    assertTrue(events.get(events.size() - 1).completed().isPresent());
    assertEquals("/openai/v1/responses", azure.paths().get(0));
    assertEquals("azure-key", azure.apiKeys().get(0));
    assertEquals("gpt4o-deploy", azure.bodies().get(0).getString("model"));
  }

  @Test
  void errorsInTheOpenAiShape() {
    NotFoundException notFound = assertThrows(NotFoundException.class,
        () -> sdk.responses().create(params("nope").build()));
    assertEquals(404, notFound.statusCode());

    BadRequestException previous = assertThrows(BadRequestException.class,
        () -> sdk.responses().create(params("gpt-test").previousResponseId("resp_123").build()));
    assertTrue(previous.getMessage().contains("previous_response_id"), previous.getMessage());
    BadRequestException store = assertThrows(BadRequestException.class,
        () -> sdk.responses().create(params("gpt-test").store(true).build()));
    assertTrue(store.getMessage().contains("store"), store.getMessage());
    assertEquals(0, openAi.requests());
  }
}
