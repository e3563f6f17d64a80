package dev.poolgate.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The text in an OpenAI answer or stream chunk: chat message / delta content, or completion text. */
final class AnswerText {
  private AnswerText() {
  }

  /** The text of a whole answer ({@code choices[0].message.content} or {@code choices[0].text}). */
  static String ofAnswer(JsonObject answer) {
    JsonObject choice = firstChoice(answer);
    if (choice == null) {
      return "";
    }
    if (choice.getValue("message") instanceof JsonObject message) {
      return message.getValue("content") instanceof String s ? s : "";
    }
    return choice.getValue("text") instanceof String s ? s : "";
  }

  /** The text a stream chunk adds ({@code choices[0].delta.content} or {@code choices[0].text}). */
  static String ofChunk(JsonObject chunk) {
    JsonObject choice = firstChoice(chunk);
    if (choice == null) {
      return "";
    }
    if (choice.getValue("delta") instanceof JsonObject delta) {
      return delta.getValue("content") instanceof String s ? s : "";
    }
    return choice.getValue("text") instanceof String s ? s : "";
  }

  private static JsonObject firstChoice(JsonObject o) {
    return o.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
        && choices.getValue(0) instanceof JsonObject c ? c : null;
  }
}
