package dev.poolgate.provider;

import dev.poolgate.protocol.MessagesStreamToChunks;
import dev.poolgate.protocol.SseFramer;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The translated stream: frames as they arrive, the source's backpressure, failures instead of short ends. */
class TranslatingStreamTest {
  private static final String START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
      + "{\"id\":\"msg_1\",\"model\":\"c\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
  private static final String DELTA = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n";
  private static final String STOP = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

  private Source source;
  private Usage usage;
  private List<String> emitted;
  private boolean ended;
  private Throwable failure;

  @BeforeEach
  void setUp() {
    source = new Source();
    usage = new Usage();
    emitted = new ArrayList<>();
    TranslatingStream<?> stream = new TranslatingStream<>(source, new SseFramer(),
        new MessagesStreamToChunks(false, usage::set, 1), "i1");
    stream.handler(b -> emitted.add(b.toString()));
    stream.endHandler(v -> ended = true);
    stream.exceptionHandler(e -> failure = e);
    stream.pause();
    stream.fetch(3);
  }

  @Test
  void eachCompleteEventGoesOutAsItArrivesAndPartialOnesWait() {
    assertTrue(source.paused, "pause reaches the source");
    assertEquals(3, source.fetched, "fetch reaches the source");
    source.push(START + DELTA.substring(0, 20));
    assertEquals(1, emitted.size(), "the role chunk, not the half event");
    source.push(DELTA.substring(20));
    assertEquals(2, emitted.size());
    assertTrue(emitted.get(1).contains("\"content\":\"Hi\""));
    source.push(STOP);
    source.end();
    assertTrue(emitted.get(2).endsWith("data: [DONE]\n\n"));
    assertTrue(ended);
    assertNull(failure);
    assertEquals(3, usage.promptTokens());
  }

  @Test
  void endWithoutMessageStopIsAFailure() {
    source.push(START + DELTA);
    source.end();
    assertFalse(ended);
    assertInstanceOf(UpstreamException.class, failure);
    assertTrue(((UpstreamException) failure).retryable());
  }

  @Test
  void badEventIsAFailureAndLaterBytesAreIgnored() {
    source.push("data: {oops\n\n");
    assertInstanceOf(UpstreamException.class, failure);
    source.push(START);
    assertTrue(emitted.isEmpty());
  }

  private static final class Source implements ReadStream<Buffer> {
    Handler<Buffer> handler;
    Handler<Void> endHandler;
    boolean paused;
    long fetched;

    void push(String s) {
      if (handler != null) {
        handler.handle(Buffer.buffer(s));
      }
    }
    void end() { endHandler.handle(null); }

    @Override public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) { return this; }
    @Override public ReadStream<Buffer> handler(Handler<Buffer> h) { handler = h; return this; }
    @Override public ReadStream<Buffer> pause() { paused = true; return this; }
    @Override public ReadStream<Buffer> resume() { paused = false; return this; }
    @Override public ReadStream<Buffer> fetch(long amount) { fetched += amount; return this; }
    @Override public ReadStream<Buffer> endHandler(Handler<Void> h) { endHandler = h; return this; }
  }
}
