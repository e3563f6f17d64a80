package dev.poolgate.provider;

import dev.poolgate.protocol.SseEvent;
import dev.poolgate.protocol.SseFramer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Gemini SSE stream comes out as OpenAI chunks, event by event, with the source's backpressure. */
class GeminiStreamTest {
  private static final String HI = event(GeminiTranslationTest.streamed(new JsonObject().put("text", "Hi"), null));
  private static final String THERE = event(GeminiTranslationTest.streamed(new JsonObject().put("text", " there"), "STOP")
      .put("usageMetadata", new JsonObject().put("promptTokenCount", 5).put("candidatesTokenCount", 2)));

  private PushStream source;
  private Usage usage;
  private List<Buffer> emitted;
  private boolean ended;
  private Throwable failure;

  @BeforeEach
  void setUp() {
    source = new PushStream();
    usage = new Usage();
    emitted = new ArrayList<>();
  }

  private static String event(JsonObject answer) {
    return "data: " + answer.encode() + "\r\n\r\n";
  }

  private TranslatingStream<SseEvent> stream(boolean wantsUsage) {
    TranslatingStream<SseEvent> s = gemini(wantsUsage);
    s.handler(b -> emitted.add(b.copy()));
    s.endHandler(v -> ended = true);
    s.exceptionHandler(e -> failure = e);
    return s;
  }

  /** A Gemini stream as the adapter builds it: the one SSE parser, then the Gemini translation. */
  private TranslatingStream<SseEvent> gemini(boolean wantsUsage) {
    return new TranslatingStream<>(source, new SseFramer(), new GeminiStreamTranslation(
        new GeminiResponseTranslator.Stream("c1", 1, "m"), usage, wantsUsage, "g1"), "g1");
  }

  private String out() {
    return emitted.stream().map(Buffer::toString).reduce("", String::concat);
  }

  private List<JsonObject> chunks() {
    List<JsonObject> out = new ArrayList<>();
    for (String e : out().split("\n\n")) {
      if (e.startsWith("data: {")) {
        out.add(new JsonObject(e.substring(6)));
      }
    }
    return out;
  }

  @Test
  void eachEventIsTranslatedAsItArrivesAndTheStreamEndsWithDone() {
    stream(false);
    source.push(HI);
    assertEquals(1, emitted.size(), "the first event goes out before the second arrives");
    source.push(THERE);
    source.end();
    assertTrue(ended, String.valueOf(failure));
    assertTrue(out().endsWith("data: [DONE]\n\n"));
    List<JsonObject> chunks = chunks();
    assertEquals(2, chunks.size(), "no usage chunk: the client did not ask");
    assertEquals("Hi", chunks.get(0).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content"));
    assertEquals("stop", chunks.get(1).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(5, usage.promptTokens());
    assertEquals(2, usage.completionTokens());
  }

  @Test
  void eventsSplitAnywhereComeOutWholeAndTheUsageChunkWhenAsked() {
    stream(true);
    String all = HI + THERE;
    for (int i = 0; i < all.length(); i += 5) {
      source.push(all.substring(i, Math.min(all.length(), i + 5)));
    }
    source.end();
    assertTrue(ended, String.valueOf(failure));
    List<JsonObject> chunks = chunks();
    assertEquals(3, chunks.size());
    assertEquals(7, chunks.get(2).getJsonObject("usage").getInteger("total_tokens"));
  }

  @Test
  void aStreamEndingBeforeAFinishReasonIsTruncated() {
    stream(false);
    source.push(HI);
    source.end();
    assertFalse(ended);
    assertInstanceOf(UpstreamException.class, failure);
    assertFalse(out().contains("[DONE]"));
  }

  @Test
  void anErrorEventOrBadJsonFailsTheStream() {
    stream(false);
    source.push("data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n");
    UpstreamException e = assertInstanceOf(UpstreamException.class, failure);
    assertEquals(503, e.upstreamStatus());

    setUp();
    failure = null;
    stream(false);
    source.push("data: {not json\r\n\r\n");
    assertInstanceOf(UpstreamException.class, failure);
    assertTrue(emitted.isEmpty());
  }

  @Test
  void backpressureAndEarlyFailuresReachTheirEnds() {
    TranslatingStream<SseEvent> s = gemini(false);
    RuntimeException boom = new RuntimeException("reset");
    source.fail(boom);
    s.exceptionHandler(e -> failure = e);
    assertEquals(boom, failure, "held for the listener");
    s.pause();
    assertTrue(source.paused);
    s.fetch(2);
    assertEquals(2, source.fetched);
    s.resume();
    assertFalse(source.paused);
  }
}
