package dev.poolgate.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Messages requests counted with the o200k_base tokenizer. */
class TokenCounterTest {

  private static JsonObject user(Object content) {
    return new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", content)));
  }

  @Test
  void textIsCountedByTheTokenizerNotByCharacters() {
    // o200k_base: "Hello world" is 2 tokens, plus one message's framing and the priming
    assertEquals(2 + TokenCounter.PER_MESSAGE + TokenCounter.PRIMING, TokenCounter.count(user("Hello world")));
    // 40 characters of one repeated word token well below a character heuristic's 10
    int repeated = TokenCounter.count(user("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assertTrue(repeated - TokenCounter.PER_MESSAGE - TokenCounter.PRIMING < 10, "tokens: " + repeated);
    // a special-token lookalike in user text is ordinary text, not an error
    assertTrue(TokenCounter.count(user("<|endoftext|>")) > TokenCounter.PER_MESSAGE + TokenCounter.PRIMING);
  }

  @Test
  void blocksSystemAndToolsCount() {
    JsonArray blocks = new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "Hello world"))
        .add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
            .put("media_type", "image/png").put("data", "iVBOR")));
    int withImage = TokenCounter.count(user(blocks));
    assertEquals(2 + TokenCounter.IMAGE_TOKENS + TokenCounter.PER_MESSAGE + TokenCounter.PRIMING, withImage);

    JsonObject request = user("Hello world").put("system", "Be brief.")
        .put("tools", new JsonArray().add(new JsonObject().put("name", "get_weather").put("description", "Weather")
            .put("input_schema", new JsonObject().put("type", "object"))));
    int plain = TokenCounter.count(user("Hello world"));
    int full = TokenCounter.count(request);
    assertTrue(full > plain + TokenCounter.PER_TOOL + 3, plain + " then " + full);

    JsonObject toolTurn = new JsonObject().put("messages", new JsonArray()
        .add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_use").put("id", "t1").put("name", "get_weather")
            .put("input", new JsonObject().put("city", "Paris")))))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
            .put("type", "tool_result").put("tool_use_id", "t1").put("content", "21 degrees")))));
    assertTrue(TokenCounter.count(toolTurn) > 2 * TokenCounter.PER_MESSAGE + TokenCounter.PRIMING + 6);
  }
}
