package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * A Responses API stream going to a Responses client: every event passes as it is, while usage is
 * read from the terminal {@code response.completed} / {@code response.incomplete} /
 * {@code response.failed}. An {@code error} event, or an end before a terminal event, fails the
 * stream (retried if nothing reached the client yet).
 */
public final class ResponsesStreamPassThrough implements StreamTranslation<SseEvent> {
  private final TokenCounts usage;
  private boolean done;

  public ResponsesStreamPassThrough(TokenCounts usage) {
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
      case "response.completed", "response.incomplete", "response.failed" -> {
        done = true;
        JsonObject response = Json.object(data.getValue("response"));
        ResponsesToChat.readUsage(response == null ? null : Json.object(response.getValue("usage")), usage);
      }
      case "error" -> throw new ProtocolException("the upstream stream failed: " + data.getValue("message"));
      default -> { }
    }
    // JSON split over several data: lines is joined by newlines: one line again, as clients expect
    return SseEvent.named(type, event.data().indexOf('\n') < 0 ? event.data() : data.encode());
  }

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public Buffer finish() {
    if (!done) {
      throw new ProtocolException("the stream ended without response.completed");
    }
    return Buffer.buffer();
  }
}
