package dev.poolgate.provider;

import dev.poolgate.ErrorKind;
import dev.poolgate.scheduling.Outcome;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An OpenAI chat request as a Gemini {@code generateContent} request: system messages become
 * {@code systemInstruction}, turns become {@code contents} (assistant → {@code model}), images
 * {@code inlineData} / {@code fileData}, tools {@code functionDeclarations}, assistant tool calls
 * {@code functionCall} parts, tool results {@code functionResponse} parts, and the sampling
 * parameters {@code generationConfig}. A request Gemini cannot express fails as the client's 400.
 */
public final class GeminiRequestTranslator {
  private GeminiRequestTranslator() {
  }

  /** Translates; throws {@link UpstreamException} (a non-retryable 400) for what Gemini cannot take. */
  public static JsonObject translate(JsonObject chat) {
    JsonObject out = new JsonObject();
    JsonArray contents = new JsonArray();
    JsonArray system = new JsonArray();
    // tool results name the call by id; Gemini wants the function's name
    Map<String, String> callNames = new HashMap<>();
    JsonArray messages = chat.getJsonArray("messages", new JsonArray());
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      String role = m.getString("role");
      switch (role) {
        case "system", "developer" -> system.addAll(parts(m.getValue("content"), i));
        case "user" -> contents.add(content("user", parts(m.getValue("content"), i)));
        case "assistant" -> {
          JsonArray parts = parts(m.getValue("content"), i);
          for (Object tc : m.getJsonArray("tool_calls", new JsonArray())) {
            JsonObject call = (JsonObject) tc;
            JsonObject fn = call.getJsonObject("function", new JsonObject());
            callNames.put(call.getString("id"), fn.getString("name"));
            parts.add(new JsonObject().put("functionCall", new JsonObject().put("name", fn.getString("name"))
                .put("args", arguments(fn.getValue("arguments"), i))));
          }
          if (m.getValue("function_call") instanceof JsonObject fn) {
            parts.add(new JsonObject().put("functionCall", new JsonObject().put("name", fn.getString("name"))
                .put("args", arguments(fn.getValue("arguments"), i))));
          }
          if (!parts.isEmpty()) {
            contents.add(content("model", parts));
          }
        }
        case "tool", "function" -> {
          String name = role.equals("tool") ? callNames.getOrDefault(m.getString("tool_call_id"), m.getString("name"))
              : m.getString("name");
          if (name == null) {
            throw invalid("messages[" + i + "]: a tool result must answer an earlier tool call (tool_call_id)");
          }
          JsonObject part = new JsonObject().put("functionResponse", new JsonObject().put("name", name)
              .put("response", response(m.getValue("content"))));
          // results of one turn's parallel calls go back together, in one user turn
          JsonObject last = contents.isEmpty() ? null : contents.getJsonObject(contents.size() - 1);
          if (last != null && last.getString("role").equals("user") && onlyFunctionResponses(last)) {
            last.getJsonArray("parts").add(part);
          } else {
            contents.add(content("user", new JsonArray().add(part)));
          }
        }
        default -> throw invalid("messages[" + i + "].role '" + role + "' is not supported by this model");
      }
    }
    out.put("contents", contents);
    if (!system.isEmpty()) {
      out.put("systemInstruction", new JsonObject().put("parts", system));
    }
    tools(chat, out);
    JsonObject generation = generationConfig(chat);
    if (!generation.isEmpty()) {
      out.put("generationConfig", generation);
    }
    return out;
  }

  private static JsonObject content(String role, JsonArray parts) {
    return new JsonObject().put("role", role).put("parts", parts);
  }

  private static boolean onlyFunctionResponses(JsonObject content) {
    return content.getJsonArray("parts").stream()
        .allMatch(p -> p instanceof JsonObject o && o.containsKey("functionResponse"));
  }

  /** OpenAI content (a string or an array of typed parts) as Gemini parts. */
  private static JsonArray parts(Object content, int index) {
    JsonArray parts = new JsonArray();
    if (content instanceof String s) {
      if (!s.isEmpty()) {
        parts.add(new JsonObject().put("text", s));
      }
    } else if (content instanceof JsonArray array) {
      for (Object item : array) {
        JsonObject part = item instanceof JsonObject o ? o : new JsonObject();
        switch (part.getString("type", "")) {
          case "text" -> parts.add(new JsonObject().put("text", part.getString("text", "")));
          case "image_url" -> {
            Object image = part.getValue("image_url");
            String url = image instanceof JsonObject o ? o.getString("url") : image instanceof String s ? s : null;
            if (url == null) {
              throw invalid("messages[" + index + "]: an image_url part needs a url");
            }
            parts.add(image(url, index));
          }
          default -> throw invalid("messages[" + index + "]: content part type '" + part.getString("type")
              + "' is not supported by this model");
        }
      }
    } else if (content != null) {
      throw invalid("messages[" + index + "].content must be a string or an array of parts");
    }
    return parts;
  }

  /** data: URLs travel inline; other URLs by reference (Gemini fetches them). */
  private static JsonObject image(String url, int index) {
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String meta = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !meta.endsWith(";base64")) {
        throw invalid("messages[" + index + "]: an image data URL must be data:MIME;base64,DATA");
      }
      return new JsonObject().put("inlineData", new JsonObject()
          .put("mimeType", meta.substring(0, meta.length() - ";base64".length()))
          .put("data", url.substring(comma + 1)));
    }
    return new JsonObject().put("fileData", new JsonObject().put("mimeType", mimeOf(url)).put("fileUri", url));
  }

  private static String mimeOf(String url) {
    String path = url.toLowerCase(Locale.ROOT).replaceAll("[?#].*$", "");
    if (path.endsWith(".png")) {
      return "image/png";
    } else if (path.endsWith(".webp")) {
      return "image/webp";
    } else if (path.endsWith(".gif")) {
      return "image/gif";
    } else if (path.endsWith(".heic")) {
      return "image/heic";
    }
    return "image/jpeg";
  }

  /** Tool call arguments arrive as a JSON string; Gemini wants the object. */
  private static JsonObject arguments(Object arguments, int index) {
    if (arguments == null || arguments instanceof String s && s.isBlank()) {
      return new JsonObject();
    }
    if (arguments instanceof JsonObject o) {
      return o;
    }
    try {
      return new JsonObject(String.valueOf(arguments));
    } catch (DecodeException | ClassCastException e) {
      throw invalid("messages[" + index + "]: tool call arguments must be a JSON object");
    }
  }

  /** A tool result as the object Gemini's functionResponse.response must be. */
  private static JsonObject response(Object content) {
    String text = content instanceof JsonArray parts ? parts.stream()
        .map(p -> p instanceof JsonObject o ? o.getString("text", "") : "").reduce("", String::concat)
        : content == null ? "" : String.valueOf(content);
    String trimmed = text.trim();
    if (trimmed.startsWith("{")) {
      try {
        return new JsonObject(trimmed);
      } catch (DecodeException e) {
        // not JSON after all: sent as text below
      }
    }
    return new JsonObject().put("content", text);
  }

  private static void tools(JsonObject chat, JsonObject out) {
    JsonArray declarations = new JsonArray();
    for (Object t : chat.getJsonArray("tools", new JsonArray())) {
      if (t instanceof JsonObject tool && "function".equals(tool.getString("type", "function"))
          && tool.getValue("function") instanceof JsonObject fn) {
        declarations.add(declaration(fn));
      }
    }
    for (Object f : chat.getJsonArray("functions", new JsonArray())) {
      if (f instanceof JsonObject fn) {
        declarations.add(declaration(fn));
      }
    }
    if (!declarations.isEmpty()) {
      out.put("tools", new JsonArray().add(new JsonObject().put("functionDeclarations", declarations)));
    }
    Object choice = chat.getValue("tool_choice", chat.getValue("function_call"));
    JsonObject config = null;
    if (choice instanceof String s) {
      String mode = switch (s) {
        case "none" -> "NONE";
        case "required" -> "ANY";
        default -> "AUTO";
      };
      config = new JsonObject().put("mode", mode);
    } else if (choice instanceof JsonObject o) {
      String name = o.getValue("function") instanceof JsonObject fn ? fn.getString("name") : o.getString("name");
      config = new JsonObject().put("mode", "ANY").put("allowedFunctionNames", new JsonArray().add(name));
    }
    if (config != null) {
      out.put("toolConfig", new JsonObject().put("functionCallingConfig", config));
    }
  }

  private static JsonObject declaration(JsonObject fn) {
    JsonObject d = new JsonObject().put("name", fn.getString("name"));
    if (fn.getString("description") != null) {
      d.put("description", fn.getString("description"));
    }
    if (fn.getValue("parameters") instanceof JsonObject params && !params.isEmpty()) {
      d.put("parameters", schema(params));
    }
    return d;
  }

  /**
   * A JSON schema as Gemini's OpenAPI subset: it rejects the JSON-Schema-only keys OpenAI clients
   * commonly send ({@code $schema}, {@code additionalProperties}, {@code strict}).
   */
  static JsonObject schema(JsonObject schema) {
    JsonObject out = new JsonObject();
    schema.forEach(e -> {
      String key = e.getKey();
      if (key.equals("$schema") || key.equals("additionalProperties") || key.equals("strict")) {
        return;
      }
      Object v = e.getValue();
      if (v instanceof JsonObject o) {
        v = key.equals("properties") ? properties(o) : schema(o);
      } else if (v instanceof JsonArray a && (key.equals("anyOf") || key.equals("allOf"))) {
        JsonArray items = new JsonArray();
        a.forEach(x -> items.add(x instanceof JsonObject o ? schema(o) : x));
        v = items;
      }
      out.put(key, v);
    });
    return out;
  }

  private static JsonObject properties(JsonObject properties) {
    JsonObject out = new JsonObject();
    properties.forEach(e -> out.put(e.getKey(), e.getValue() instanceof JsonObject o ? schema(o) : e.getValue()));
    return out;
  }

  private static JsonObject generationConfig(JsonObject chat) {
    JsonObject g = new JsonObject();
    copy(chat, "temperature", g, "temperature");
    copy(chat, "top_p", g, "topP");
    copy(chat, "max_tokens", g, "maxOutputTokens");
    copy(chat, "max_completion_tokens", g, "maxOutputTokens");
    copy(chat, "n", g, "candidateCount");
    copy(chat, "presence_penalty", g, "presencePenalty");
    copy(chat, "frequency_penalty", g, "frequencyPenalty");
    copy(chat, "seed", g, "seed");
    Object stop = chat.getValue("stop");
    if (stop instanceof String s) {
      g.put("stopSequences", new JsonArray().add(s));
    } else if (stop instanceof JsonArray a) {
      g.put("stopSequences", a);
    }
    if (chat.getValue("response_format") instanceof JsonObject format) {
      String type = format.getString("type", "text");
      if (type.equals("json_object") || type.equals("json_schema")) {
        g.put("responseMimeType", "application/json");
      }
      if (type.equals("json_schema") && format.getValue("json_schema") instanceof JsonObject js
          && js.getValue("schema") instanceof JsonObject schema) {
        g.put("responseSchema", schema(schema));
      }
    }
    return g;
  }

  private static void copy(JsonObject from, String key, JsonObject to, String as) {
    Object v = from.getValue(key);
    if (v != null) {
      to.put(as, v);
    }
  }

  /** A request this upstream cannot take: the client's error, not the instance's. */
  static UpstreamException invalid(String message) {
    Buffer body = new JsonObject().put("error", new JsonObject().put("message", message)
        .put("type", "invalid_request_error").put("param", null).put("code", "invalid_request")).toBuffer();
    return new UpstreamException(ErrorKind.BAD_REQUEST, false, Outcome.NEUTRAL, message, 400, body);
  }
}
