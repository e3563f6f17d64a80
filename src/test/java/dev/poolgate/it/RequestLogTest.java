package dev.poolgate.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.until;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One access line per request, also for a request turned away before dispatch; prompts and
 * answers stay out of the logs unless {@code server.log_payloads} says otherwise.
 */
class RequestLogTest extends GatewayTestBase {
  private static final String PROMPT = "the secret plans of the purple walrus";
  private final ListAppender<ILoggingEvent> access = new ListAppender<>();
  private final ListAppender<ILoggingEvent> payload = new ListAppender<>();

  @BeforeEach
  void capture() {
    attach("poolgate.access", access);
    attach("poolgate.payload", payload);
  }

  @AfterEach
  void release() {
    for (var pair : Map.of("poolgate.access", access, "poolgate.payload", payload).entrySet()) {
      Logger logger = (Logger) LoggerFactory.getLogger(pair.getKey());
      logger.detachAppender(pair.getValue());
      logger.setLevel(null);
    }
  }

  private static void attach(String name, ListAppender<ILoggingEvent> appender) {
    appender.start();
    Logger logger = (Logger) LoggerFactory.getLogger(name);
    logger.setLevel(Level.INFO);
    logger.addAppender(appender);
  }

  private static String line(ILoggingEvent e) {
    return e.getFormattedMessage() + " " + e.getKeyValuePairs().stream()
        .map(kv -> kv.key + "=" + kv.value).collect(Collectors.joining(" "));
  }

  private List<String> lines(ListAppender<ILoggingEvent> appender, String requestId) {
    // the appender adds under its own lock (AppenderBase.doAppend is synchronized), from event loops
    synchronized (appender) {
      return appender.list.stream().map(RequestLogTest::line).filter(l -> l.contains(requestId)).toList();
    }
  }

  /** The line is written when the request is over, which may be just after the client has the answer. */
  private ILoggingEvent event(ListAppender<ILoggingEvent> appender, String requestId) {
    return until("a log line for " + requestId, () -> {
      synchronized (appender) {
        return appender.list.stream().filter(e -> line(e).contains(requestId)).findFirst().orElse(null);
      }
    }, java.util.Objects::nonNull);
  }

  @Test
  void offByDefaultNothingOfThePromptOrAnswerIsLogged() {
    FakeOpenAi up = fake().pieces(List.of("answer-", "words"));
    gateway(onePool(instance("a", up, 1)));

    Reply r = gw.postBlocking(chat(PROMPT));

    assertEquals(200, r.status(), r.text());
    String id = r.header("x-request-id");
    String accessLine = line(event(access, id));
    assertFalse(accessLine.contains("walrus"));
    assertFalse(accessLine.contains("answer-words"));
    assertEquals(1, lines(access, id).size(), "one access line per request");
    assertTrue(lines(payload, id).isEmpty());
    assertEquals("/v1/chat/completions", fields(event(access, id)).get("endpoint"),
        "served and refused requests name their endpoint the same way");
  }

  @Test
  void aRequestRefusedBeforeDispatchHasItsAccessLineToo() {
    gateway(onePool(instance("a", fake(), 1)));

    Reply badJson = await(gw.post("/v1/chat/completions", io.vertx.core.buffer.Buffer.buffer("{nope"),
        Map.of("content-type", "application/json")));
    Reply unknownModel = gw.postBlocking(chat(PROMPT).put("model", "no-such-model"));

    assertEquals(400, badJson.status());
    assertEquals(404, unknownModel.status());
    Map<String, Object> bad = fields(event(access, badJson.header("x-request-id")));
    assertEquals(400, bad.get("status"));
    assertEquals("invalid_json", bad.get("error"));
    assertEquals("/v1/chat/completions", bad.get("endpoint"));
    Map<String, Object> unknown = fields(event(access, unknownModel.header("x-request-id")));
    assertEquals(404, unknown.get("status"));
    assertEquals("model_not_found", unknown.get("error"));
    assertFalse(line(event(access, unknownModel.header("x-request-id"))).contains("walrus"));
  }

  private static Map<String, Object> fields(ILoggingEvent event) {
    Map<String, Object> kv = new java.util.HashMap<>();
    event.getKeyValuePairs().forEach(p -> kv.put(p.key, p.value));
    return kv;
  }

  @Test
  void whenOnTheLineCarriesThePromptAndTheWholeAnswerAlsoOfAStream() {
    FakeOpenAi up = fake().pieces(List.of("answer-", "words"));
    JsonObject cfg = onePool(instance("a", up, 1));
    cfg.getJsonObject("server").put("log_payloads", true);
    gateway(cfg);

    Reply plain = gw.postBlocking(chat(PROMPT));
    Reply streamed = await(gw.post("/v1/chat/completions", chat(PROMPT).put("stream", true).toBuffer(),
        Map.of("content-type", "application/json")));

    assertEquals(200, plain.status(), plain.text());
    assertEquals(200, streamed.status(), streamed.text());
    for (Reply r : List.of(plain, streamed)) {
      ILoggingEvent event = event(payload, r.header("x-request-id"));
      Map<String, Object> kv = event.getKeyValuePairs().stream()
          .collect(Collectors.toMap(p -> p.key, p -> p.value == null ? "null" : p.value));
      assertTrue(kv.get("request").toString().contains(PROMPT), kv.toString());
      JsonObject answer = new JsonObject(kv.get("answer").toString());
      assertEquals("answer-words", answer.getJsonArray("choices").getJsonObject(0)
          .getJsonObject("message").getString("content"));
    }
  }

  @Test
  void anErrorIsLoggedWithItsPromptAndNoAnswer() {
    FakeOpenAi up = fake().answerRaw(400, "application/json",
        "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"code\":\"x\"}}");
    JsonObject cfg = onePool(instance("a", up, 1));
    cfg.getJsonObject("server").put("log_payloads", true);
    gateway(cfg);

    Reply r = gw.postBlocking(chat(PROMPT));

    assertEquals(400, r.status(), r.text());
    ILoggingEvent event = event(payload, r.header("x-request-id"));
    Map<String, Object> kv = new java.util.HashMap<>();
    event.getKeyValuePairs().forEach(p -> kv.put(p.key, p.value));
    assertTrue(kv.get("request").toString().contains(PROMPT));
    assertNull(kv.get("answer"));
  }
}
