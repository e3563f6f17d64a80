package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.Base64;

/**
 * A Bedrock InvokeModelWithResponseStream of a Claude model → the Anthropic SSE stream, for an
 * Anthropic client: each {@code chunk} message carries one Anthropic event as base64 JSON
 * ({@code {"bytes":"..."}}), which goes out as the event it is ({@link MessagesStreamPassThrough}
 * counts usage and checks the end).
 */
public final class InvokeStreamToMessages implements StreamTranslation<EventStreamMessage> {
  private final MessagesStreamPassThrough events;

  public InvokeStreamToMessages(TokenCounts usage) {
    this.events = new MessagesStreamPassThrough(usage);
  }

  @Override
  public Buffer translate(EventStreamMessage message) {
    if (!"event".equals(message.messageType())) {
      throw new ProtocolException("the upstream stream failed: " + message.problem());
    }
    String event;
    try {
      Object bytes = new JsonObject(message.payload()).getValue("bytes");
      if (!(bytes instanceof String b64)) {
        return Buffer.buffer();
      }
      event = new String(Base64.getDecoder().decode(b64), java.nio.charset.StandardCharsets.UTF_8);
    } catch (DecodeException | ClassCastException | IllegalArgumentException e) {
      throw new ProtocolException("a stream chunk is not base64 JSON");
    }
    return events.translate(new SseEvent(null, event));
  }

  @Override
  public boolean done() {
    return events.done();
  }

  @Override
  public Buffer finish() {
    return events.finish();
  }
}
