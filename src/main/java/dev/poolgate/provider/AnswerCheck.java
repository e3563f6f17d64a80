package dev.poolgate.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.poolgate.protocol.TokenCounts;

import java.io.IOException;

/**
 * Checks a whole non-stream answer in one pass of a streaming parser, without building its tree:
 * the answer passes on to the client byte for byte, so all the gateway needs from it is that it is
 * one well-formed JSON object, that it carries its list ({@code choices}, {@code data} or
 * {@code output}) and what its {@code usage} says. Building a {@code JsonObject} of every answer
 * only to read two numbers was a tenth of what the gateway allocated per request. A stream's usage
 * chunk is read the same way ({@link #usageChunk}).
 */
final class AnswerCheck {
  /** Why an answer is not one the client can use. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /** Which pair of names a usage object counts its tokens under. */
  enum UsageNames {
    /** Chat completions and embeddings. */
    CHAT("prompt_tokens", "completion_tokens"),
    /** The Responses API. */
    RESPONSES("input_tokens", "output_tokens");

    final String prompt;
    final String completion;

    UsageNames(String prompt, String completion) {
      this.prompt = prompt;
      this.completion = completion;
    }
  }

  /** A repeated member counts as its last value, as in {@code JsonObject}. */
  private static final JsonFactory JSON = new JsonFactory();

  private AnswerCheck() {
  }

  /**
   * Checks {@code json[offset, offset+length)}: one JSON object and nothing after it, whose
   * {@code required} member is an array. The usage object's counts, if there is one, go to
   * {@code usage}; a count that is missing or not a number counts as 0 (usage is bookkeeping and
   * does not fail an answer the client can use).
   */
  static void check(byte[] json, int offset, int length, String required, UsageNames names, TokenCounts usage)
      throws Malformed {
    try (JsonParser p = JSON.createParser(json, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new Malformed("the answer is not a JSON object");
      }
      boolean listed = false;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals(required)) {
          listed = value == JsonToken.START_ARRAY;
          p.skipChildren();
        } else if (name.equals("usage") && value == JsonToken.START_OBJECT) {
          readUsage(p, names, usage);
        } else if (name.equals("usage") && value != JsonToken.VALUE_NULL) {
          throw new Malformed("the answer's usage is not an object");
        } else {
          p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new Malformed("the answer is not valid JSON");
      }
      if (!listed) {
        throw new Malformed("no " + required + " in the answer");
      }
    } catch (IOException e) { // the parser's JsonProcessingException: bad syntax, the end too early
      throw new Malformed("the answer is not valid JSON");
    }
  }

  /**
   * Reads one chat stream chunk (an SSE event's data) for its usage, without building its tree:
   * the counts of its {@code usage} object go to {@code usage}. Returns whether it is the
   * usage-only chunk: a usage object and no choices (none, or an empty list). A chunk that is not
   * a JSON object, or whose usage or choices have another shape, counts nothing and is not
   * usage-only: it passes on as it came. The chunk is {@code json[offset, offset + length)}, read in
   * place in the relay's copy of the network bytes.
   */
  static boolean usageChunk(byte[] json, int offset, int length, TokenCounts usage) {
    int[] counts = null;
    boolean noChoices = true;
    try (JsonParser p = JSON.createParser(json, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("usage") && value == JsonToken.START_OBJECT) {
          int[] read = new int[2];
          readUsage(p, UsageNames.CHAT, (prompt, completion) -> {
            read[0] = prompt;
            read[1] = completion;
          });
          counts = read;
        } else if (name.equals("usage") && value != JsonToken.VALUE_NULL) {
          return false;
        } else if (name.equals("choices") && value == JsonToken.START_ARRAY) {
          noChoices = true;
          for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
            if (item == null) {
              return false;
            }
            noChoices = false;
            p.skipChildren();
          }
        } else if (name.equals("choices") && value != JsonToken.VALUE_NULL) {
          return false;
        } else {
          p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || counts == null) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    usage.set(counts[0], counts[1]);
    return noChoices;
  }

  /** Reads the usage object the parser stands at the start of, leaving it at its end. */
  private static void readUsage(JsonParser p, UsageNames names, TokenCounts usage) throws IOException {
    int prompt = 0;
    int completion = 0;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      boolean number = value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT;
      if (name.equals(names.prompt)) {
        prompt = number ? p.getNumberValue().intValue() : 0;
      } else if (name.equals(names.completion)) {
        completion = number ? p.getNumberValue().intValue() : 0;
      }
      p.skipChildren();
    }
    usage.set(prompt, completion);
  }
}
