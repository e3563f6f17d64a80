package dev.poolgate.provider;

import dev.poolgate.protocol.ProtocolException;
import dev.poolgate.protocol.SseEvent;
import dev.poolgate.protocol.StreamTranslation;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * A Gemini {@code streamGenerateContent?alt=sse} answer as OpenAI chunks, one Gemini event at a
 * time (framed by {@link dev.poolgate.protocol.SseFramer}, streamed by {@link TranslatingStream}).
 * Gemini ends a stream by ending the response (no {@code [DONE]}), so an end before any finish
 * reason is a truncated stream and fails; a finished one ends with the usage chunk (if the client
 * asked) and {@code data: [DONE]}. An error event fails the stream with its upstream status.
 */
final class GeminiStreamTranslation implements StreamTranslation<SseEvent> {
  private final GeminiResponseTranslator.Stream translator;
  private final Usage usage;
  private final boolean clientWantsUsage;
  private final String instance;

  GeminiStreamTranslation(GeminiResponseTranslator.Stream translator, Usage usage, boolean clientWantsUsage,
                          String instance) {
    this.translator = translator;
    this.usage = usage;
    this.clientWantsUsage = clientWantsUsage;
    this.instance = instance;
  }

  @Override
  public Buffer translate(SseEvent event) {
    if (event.data().isEmpty()) {
      return Buffer.buffer();
    }
    JsonObject answer;
    try {
      answer = new JsonObject(event.data());
    } catch (DecodeException e) {
      throw new ProtocolException("a stream event is not valid JSON");
    }
    if (answer.getValue("error") instanceof JsonObject error) {
      int status = error.getInteger("code", 500);
      throw UpstreamException.status(instance, status,
          GeminiResponseTranslator.errorBody(status, Buffer.buffer(event.data())));
    }
    Buffer out = Buffer.buffer();
    try {
      for (Object chunk : translator.chunks(answer)) {
        SseEvent.append(out, ((JsonObject) chunk).toBuffer());
      }
    } catch (ClassCastException e) {
      throw new ProtocolException("a stream event is not a Gemini answer");
    }
    usage.read(translator.usage());
    return out;
  }

  @Override
  public boolean done() {
    return false;
  }

  @Override
  public Buffer finish() {
    if (!translator.finished()) {
      throw new ProtocolException("the stream ended before a finish reason");
    }
    Buffer tail = Buffer.buffer();
    if (clientWantsUsage) {
      SseEvent.append(tail, translator.usageChunk().toBuffer());
    }
    return tail.appendBuffer(SseEvent.done());
  }
}
