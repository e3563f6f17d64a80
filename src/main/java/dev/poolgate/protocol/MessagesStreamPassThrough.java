package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * An Anthropic stream going to an Anthropic client: every event passes as it is, while usage is
 * counted from {@code message_start} / {@code message_delta}; an error event or an end without
 * {@code message_stop} fails the stream (retried if nothing reached the client yet).
 */
public final class MessagesStreamPassThrough implements StreamTranslation<SseEvent> {
  private final TokenCounts usage;
  private int promptTokens;
  private boolean done;

  public MessagesStreamPassThrough(TokenCounts usage) {
    this.usage = usage;
  }

  @Override
  public Buffer translate(SseEvent event) {
    JsonObject data;
    try {
      data = new JsonObject(event.data());
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException("a stream event is not valid JSON");
    }
    String type = String.valueOf(data.getValue("type", event.event()));
    switch (type) {
      case "message_start" -> {
        JsonObject u = Json.object(Json.object(data.getValue("message")) == null ? null
            : data.getJsonObject("message").getValue("usage"));
        promptTokens = ChatToMessages.promptTokens(u);
        usage.set(promptTokens, Json.integer(u, "output_tokens"));
      }
      case "message_delta" -> {
        JsonObject u = Json.object(data.getValue("usage"));
        if (u != null) {
          usage.set(u.containsKey("input_tokens") ? ChatToMessages.promptTokens(u) : promptTokens,
              Json.integer(u, "output_tokens"));
        }
      }
      case "message_stop" -> done = true;
      case "error" -> throw new ProtocolException("the upstream stream failed: " + MessagesStreamToChunks.errorMessage(data));
      default -> { }
    }
    return SseEvent.named(type, event.data());
  }

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public Buffer finish() {
    if (!done) {
      throw new ProtocolException("the stream ended without message_stop");
    }
    return Buffer.buffer();
  }
}
