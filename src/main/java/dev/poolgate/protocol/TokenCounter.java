package dev.poolgate.protocol;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.json.JsonObject;

/**
 * Counts the input tokens of an Anthropic Messages request with a real BPE tokenizer (OpenAI's
 * {@code o200k_base}, through jtokkit), for {@code /v1/messages/count_tokens} on instances whose
 * upstream has no counting endpoint. Claude's own tokenizer is not public, so the count is close
 * rather than exact: text, tool inputs and results, tool definitions and the system prompt are
 * encoded; each message and tool adds a few tokens of framing; an image counts as
 * {@link #IMAGE_TOKENS}, Anthropic's figure for an image at its largest size.
 *
 * <p>The encoding's tables load on first use (a fraction of a second): call {@link #warmUp()} off
 * the event loop at start-up.
 */
public final class TokenCounter {
  /** Tokens one image counts for (Anthropic: about 1,600 for an image at the 1.15-megapixel limit). */
  public static final int IMAGE_TOKENS = 1_600;
  /** Role and separators around each message. */
  static final int PER_MESSAGE = 4;
  /** Framing of a tool definition beyond its name, description and schema. */
  static final int PER_TOOL = 8;
  /** The assistant turn the request primes. */
  static final int PRIMING = 3;

  private TokenCounter() {
  }

  private static final class Holder {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }

  /** Loads the encoding's tables; blocking, so not on an event loop. */
  public static void warmUp() {
    Holder.ENCODING.countTokensOrdinary("warm up");
  }

  /** The input tokens of a Messages request ({@code system}, {@code messages}, {@code tools}). */
  public static int count(JsonObject request) {
    int tokens = PRIMING + content(request.getValue("system"));
    for (Object m : Json.array(request.getValue("messages"))) {
      JsonObject message = Json.object(m);
      if (message != null) {
        tokens += PER_MESSAGE + content(message.getValue("content"));
      }
    }
    for (Object t : Json.array(request.getValue("tools"))) {
      JsonObject tool = Json.object(t);
      if (tool != null) {
        tokens += PER_TOOL + text(Json.string(tool.getValue("name"))) + text(Json.string(tool.getValue("description")))
            + json(tool.getValue("input_schema"));
      }
    }
    return tokens;
  }

  /** A string, or an array of content blocks. */
  private static int content(Object content) {
    if (content instanceof String s) {
      return text(s);
    }
    int tokens = 0;
    for (Object b : Json.array(content)) {
      JsonObject block = Json.object(b);
      if (block == null) {
        continue;
      }
      tokens += switch (String.valueOf(block.getValue("type"))) {
        case "text" -> text(Json.string(block.getValue("text")));
        case "image" -> IMAGE_TOKENS;
        case "tool_use" -> text(Json.string(block.getValue("name"))) + json(block.getValue("input"));
        case "tool_result" -> content(block.getValue("content"));
        case "thinking" -> text(Json.string(block.getValue("thinking")));
        case "document" -> document(Json.object(block.getValue("source")));
        default -> json(block);
      };
    }
    return tokens;
  }

  /** A text document counts its text; a PDF or a file reference, like an image, a page's worth. */
  private static int document(JsonObject source) {
    if (source != null && "text".equals(source.getValue("type"))) {
      return text(Json.string(source.getValue("data")));
    }
    return source != null && "content".equals(source.getValue("type")) ? content(source.getValue("content"))
        : IMAGE_TOKENS;
  }

  private static int json(Object value) {
    return value == null ? 0 : text(value instanceof JsonObject o ? o.encode() : String.valueOf(value));
  }

  private static int text(String s) {
    return s == null || s.isEmpty() ? 0 : Holder.ENCODING.countTokensOrdinary(s);
  }
}
