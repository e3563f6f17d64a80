package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.dispatch.Job;
import dev.poolgate.provider.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Responses API bodies become jobs, or fail with a message naming the field. */
class ResponsesParserTest {
  private static final Map<String, String> MODELS = Map.of("gpt-4o", "large");

  private static JsonObject request() {
    return new JsonObject().put("model", "gpt-4o").put("input", "hi");
  }

  private static Job parse(JsonObject body) {
    return ResponsesParser.parse("r1", body, MODELS, null, 0);
  }

  private static void assertRefused(JsonObject body, ErrorKind kind, String prefix) {
    GatewayException e = assertThrows(GatewayException.class, () -> parse(body));
    assertEquals(kind, e.kind());
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  @Test
  void aGoodRequestIsAResponsesJob() {
    Job job = parse(request().put("stream", true).put("user_level", 7));

    assertEquals(Protocol.RESPONSES, job.protocol());
    assertEquals("large", job.pool());
    assertTrue(job.stream());
    assertEquals(7, job.priority());
    assertFalse(job.body().containsKey("user_level"), "the gateway's own field does not go upstream");

    Job fromMetadata = parse(request().put("metadata", new JsonObject().put("user_level", "3").put("team", "a")));
    assertEquals(3, fromMetadata.priority());
    assertEquals(new JsonObject().put("team", "a"), fromMetadata.body().getJsonObject("metadata"));
    assertEquals(5, ResponsesParser.parse("r2", request(), MODELS, "5", 0).priority());
    assertFalse(parse(request().put("store", false)).stream());
  }

  @Test
  void badRequestsNameTheField() {
    assertRefused(new JsonObject().put("model", "gpt-4o"), ErrorKind.BAD_REQUEST, "input:");
    assertRefused(request().put("input", new JsonArray()), ErrorKind.BAD_REQUEST, "input:");
    assertRefused(request().put("input", new JsonArray().add("text")), ErrorKind.BAD_REQUEST, "input[0]:");
    assertRefused(request().put("model", "nope"), ErrorKind.MODEL_NOT_FOUND, "The model 'nope'");
    assertRefused(request().remove("model") == null ? null : new JsonObject().put("input", "hi"),
        ErrorKind.BAD_REQUEST, "model:");
    assertRefused(request().put("stream", "yes"), ErrorKind.BAD_REQUEST, "stream:");
    assertRefused(request().put("max_output_tokens", "10"), ErrorKind.BAD_REQUEST, "max_output_tokens:");
    assertRefused(request().put("tools", new JsonObject()), ErrorKind.BAD_REQUEST, "tools:");
    assertRefused(request().put("user_level", 11), ErrorKind.BAD_REQUEST, "'user_level'");
  }

  @Test
  void whatNeedsStoredResponsesIsRefused() {
    assertRefused(request().put("previous_response_id", "resp_1"), ErrorKind.BAD_REQUEST, "previous_response_id:");
    assertRefused(request().put("conversation", "conv_1"), ErrorKind.BAD_REQUEST, "conversation:");
    assertRefused(request().put("store", true), ErrorKind.BAD_REQUEST, "store:");
    assertRefused(request().put("background", true), ErrorKind.BAD_REQUEST, "background:");
  }
}
