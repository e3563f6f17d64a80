package dev.poolgate.provider;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

/**
 * A Gemini {@code streamGenerateContent?alt=sse} answer translated into an OpenAI chunk stream as
 * it arrives, with the source's backpressure: each complete Gemini event becomes its chunks at
 * once, at most one partial event is held. Gemini ends a stream by ending the response (no
 * {@code [DONE]}), so an end before any finish reason is a truncated stream and fails; a finished
 * one ends with the usage chunk (if the client asked) and {@code data: [DONE]}. An error event
 * mid-stream fails the stream.
 */
final class GeminiStream implements ReadStream<Buffer> {
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final ReadStream<Buffer> source;
  private final GeminiResponseTranslator.Stream translator;
  private final Usage usage;
  private final boolean clientWantsUsage;
  private final String instance;
  private final HeldFailure failure = new HeldFailure();
  private Buffer partial = Buffer.buffer();
  private boolean failed;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;

  GeminiStream(ReadStream<Buffer> source, GeminiResponseTranslator.Stream translator, Usage usage,
               boolean clientWantsUsage, String instance) {
    this.source = source;
    this.translator = translator;
    this.usage = usage;
    this.clientWantsUsage = clientWantsUsage;
    this.instance = instance;
    source.exceptionHandler(failure::fail);
  }

  @Override
  public GeminiStream handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
    source.handler(handler == null ? null : this::onData);
    return this;
  }

  @Override
  public GeminiStream endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    source.endHandler(handler == null ? null : v -> onEnd());
    return this;
  }

  @Override
  public GeminiStream exceptionHandler(Handler<Throwable> handler) {
    failure.handler(handler);
    return this;
  }

  @Override
  public GeminiStream pause() {
    source.pause();
    return this;
  }

  @Override
  public GeminiStream resume() {
    source.resume();
    return this;
  }

  @Override
  public GeminiStream fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  private void onData(Buffer chunk) {
    if (failed) {
      return;
    }
    Buffer data = partial.length() == 0 ? chunk : partial.appendBuffer(chunk);
    int end = SseRelay.lastEventEnd(data);
    if (end < 0) {
      partial = data.length() == chunk.length() ? chunk.copy() : data;
      if (partial.length() > SseRelay.MAX_EVENT_BYTES) {
        fail(UpstreamException.malformed(instance, "an SSE event exceeded " + SseRelay.MAX_EVENT_BYTES + " bytes"));
      }
      return;
    }
    partial = end == data.length() ? Buffer.buffer() : data.getBuffer(end, data.length());
    Buffer out = Buffer.buffer();
    for (int start = 0; start < end && !failed; ) {
      int stop = SseRelay.nextEventEnd(data, start, end);
      translate(data.getString(start, stop, "UTF-8"), out);
      start = stop;
    }
    if (!failed && out.length() > 0 && dataHandler != null) {
      dataHandler.handle(out);
    }
  }

  /** Appends the OpenAI events one Gemini SSE event becomes. */
  private void translate(String event, Buffer out) {
    StringBuilder json = new StringBuilder();
    for (String line : event.split("\n")) {
      String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      if (l.startsWith("data:")) {
        json.append(l.substring(5).trim());
      }
    }
    if (json.isEmpty()) {
      return;
    }
    JsonObject answer;
    try {
      answer = new JsonObject(json.toString());
    } catch (DecodeException e) {
      fail(UpstreamException.malformed(instance, "a stream event is not valid JSON"));
      return;
    }
    if (answer.getValue("error") instanceof JsonObject error) {
      int status = error.getInteger("code", 500);
      fail(UpstreamException.status(instance, status,
          GeminiResponseTranslator.errorBody(status, Buffer.buffer(json.toString()))));
      return;
    }
    try {
      for (Object chunk : translator.chunks(answer)) {
        out.appendString("data: ").appendBuffer(((JsonObject) chunk).toBuffer()).appendString("\n\n");
      }
    } catch (ClassCastException e) {
      fail(UpstreamException.malformed(instance, "a stream event is not a Gemini answer"));
      return;
    }
    usage.read(translator.usage());
  }

  private void onEnd() {
    if (failed) {
      return;
    }
    if (partial.length() > 0) {
      // the last event may come without its blank line
      Buffer out = Buffer.buffer();
      translate(partial.toString("UTF-8"), out);
      partial = Buffer.buffer();
      if (failed) {
        return;
      }
      if (out.length() > 0 && dataHandler != null) {
        dataHandler.handle(out);
      }
    }
    if (!translator.finished()) {
      fail(UpstreamException.malformed(instance, "the stream ended before a finish reason"));
      return;
    }
    Buffer tail = Buffer.buffer();
    if (clientWantsUsage) {
      tail.appendString("data: ").appendBuffer(translator.usageChunk().toBuffer()).appendString("\n\n");
    }
    tail.appendBuffer(DONE);
    if (dataHandler != null) {
      dataHandler.handle(tail);
    }
    if (endHandler != null) {
      endHandler.handle(null);
    }
  }

  private void fail(UpstreamException e) {
    failed = true;
    source.handler(null);
    failure.fail(e);
  }
}
