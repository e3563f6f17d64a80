package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.dispatch.Job;
import dev.poolgate.provider.Endpoint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request bodies become jobs, or fail with the right kind. */
class RequestParserTest {
  private static final Map<String, String> MODELS = Map.of("gpt-4o", "large", "large", "large", "mini", "small");

  private static JsonObject chat() {
    return new JsonObject().put("model", "gpt-4o").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  private static Job parse(JsonObject body, String header) {
    return RequestParser.parse("r1", Endpoint.CHAT, body, MODELS, header);
  }

  private static void assertKind(ErrorKind kind, Executable call) {
    GatewayException e = assertThrows(GatewayException.class, call);
    assertEquals(kind, e.kind(), e.getMessage());
  }

  @Test
  void chatRequestBecomesAJob() {
    JsonObject body = chat().put("temperature", 0.2).put("tools", new JsonArray().add(new JsonObject()));
    Job job = parse(body, null);
    assertEquals("r1", job.requestId());
    assertEquals("gpt-4o", job.model());
    assertEquals("large", job.pool());
    assertEquals(Endpoint.CHAT, job.endpoint());
    assertFalse(job.stream());
    assertEquals(0, job.priority());
    assertTrue(job.body().containsKey("tools"), "unknown fields pass through");
    assertTrue(parse(chat().put("stream", true), null).stream());
  }

  @Test
  void priorityFromUserLevelOrHeader() {
    JsonObject body = chat().put("user_level", 7);
    Job job = parse(body, "2");
    assertEquals(7, job.priority(), "the body wins over the header");
    assertFalse(job.body().containsKey("user_level"), "gateway-only field taken out");
    assertEquals(2, parse(chat(), "2").priority());
    assertEquals(10, parse(chat(), " 10 ").priority());
    assertEquals(4, parse(chat().put("user_level", "4"), null).priority());
    assertEquals(3, parse(chat().put("user_level", 3.0), null).priority());
  }

  @Test
  void aRequestWithoutALevelGetsTheGivenDefault() {
    assertEquals(3, RequestParser.parse("r1", Endpoint.CHAT, chat(), MODELS, null, 3).priority());
    assertEquals(1, RequestParser.parse("r1", Endpoint.CHAT, chat().put("user_level", 1), MODELS, null, 3).priority(),
        "a level the caller gave wins, even below the default");
    assertEquals(0, RequestParser.parse("r1", Endpoint.CHAT, chat(), MODELS, "0", 3).priority());
  }

  @Test
  void badPriorityIs400() {
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("user_level", 11), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("user_level", -1), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("user_level", 2.5), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("user_level", "high"), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat(), "urgent"));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat(), "42"));
  }

  @Test
  void messagesAreRequired() {
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("messages", null), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("messages", new JsonArray()), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("messages", "hi"), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("messages", new JsonArray().add("hi")), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("messages",
        new JsonArray().add(new JsonObject().put("content", "no role"))), null));
  }

  @Test
  void modelIsRequiredAndMustBeKnown() {
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("model", null), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("model", 4), null));
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("model", " "), null));
    assertKind(ErrorKind.MODEL_NOT_FOUND, () -> parse(chat().put("model", "gpt-5"), null));
    assertEquals("small", parse(chat().put("model", "mini"), null).pool(), "aliases resolve to their pool");
  }

  @Test
  void streamMustBeABoolean() {
    assertKind(ErrorKind.BAD_REQUEST, () -> parse(chat().put("stream", "yes"), null));
  }

  @Test
  void completionsNeedAPrompt() {
    JsonObject body = new JsonObject().put("model", "large").put("prompt", "Once upon");
    Job job = RequestParser.parse("r2", Endpoint.COMPLETIONS, body, MODELS, null);
    assertEquals(Endpoint.COMPLETIONS, job.endpoint());
    assertKind(ErrorKind.BAD_REQUEST, () -> RequestParser.parse("r3", Endpoint.COMPLETIONS,
        new JsonObject().put("model", "large"), MODELS, null));
  }

  @Test
  void bodyMustBeAJsonObject() {
    assertEquals("v", RequestParser.json(Buffer.buffer("  \n{\"k\":\"v\"}")).getString("k"));
    assertKind(ErrorKind.INVALID_JSON, () -> RequestParser.json(Buffer.buffer()));
    assertKind(ErrorKind.INVALID_JSON, () -> RequestParser.json(null));
    assertKind(ErrorKind.INVALID_JSON, () -> RequestParser.json(Buffer.buffer("   ")));
    assertKind(ErrorKind.INVALID_JSON, () -> RequestParser.json(Buffer.buffer("[1]")));
    assertKind(ErrorKind.INVALID_JSON, () -> RequestParser.json(Buffer.buffer("\"text\"")));
    assertKind(ErrorKind.INVALID_JSON, () -> RequestParser.json(Buffer.buffer("{\"a\": ")));
    GatewayException e = assertThrows(GatewayException.class, () -> RequestParser.json(Buffer.buffer("{oops}")));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }
}
