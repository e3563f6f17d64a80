package dev.poolgate.provider;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SSE events pass through as they are, usage is counted, a truncated stream fails. */
class SseRelayTest {
  private static final String ROLE = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
      + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n";
  private static final String HELLO = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"logprobs\":null,"
      + "\"finish_reason\":null}],\"usage\":null}\n\n";
  private static final String STOP = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
      + "\"usage\":null}\n\n";
  private static final String USAGE = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
      + "\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,"
      + "\"total_tokens\":18}}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  private PushStream source;
  private Usage usage;
  private Buffer out;
  private List<Buffer> emitted;
  private boolean ended;
  private Throwable failure;

  @BeforeEach
  void setUp() {
    source = new PushStream();
    usage = new Usage();
    out = Buffer.buffer();
    emitted = new ArrayList<>();
  }

  private SseRelay relay(boolean keepUsage) {
    SseRelay relay = new SseRelay(source, usage, keepUsage, "i1");
    relay.handler(b -> {
      emitted.add(b.copy());
      out.appendBuffer(b);
    });
    relay.endHandler(v -> ended = true);
    relay.exceptionHandler(e -> failure = e);
    return relay;
  }

  @Test
  void passesEventsThroughByteForByte() {
    relay(false);
    String all = ROLE + HELLO + STOP + DONE;
    source.push(all);
    source.end();
    assertEquals(all, out.toString());
    assertTrue(ended);
    assertNull(failure);
  }

  @Test
  void eventsSplitAcrossChunksComeOutWhole() {
    relay(true);
    String all = ROLE + HELLO + STOP + USAGE + DONE;
    for (int i = 0; i < all.length(); i += 7) {
      source.push(all.substring(i, Math.min(all.length(), i + 7)));
    }
    source.end();
    assertEquals(all, out.toString());
    for (Buffer b : emitted) {
      assertTrue(b.toString().endsWith("\n\n"), "only whole events are passed on: " + b);
    }
    assertTrue(ended);
  }

  @Test
  void crlfEventsCutAtEveryPointComeOutWholeAndCounted() {
    String all = (ROLE + HELLO + STOP + USAGE + DONE).replace("\n", "\r\n");
    for (int cut = 1; cut < all.length(); cut++) {
      setUp();
      relay(false);
      source.push(all.substring(0, cut));
      source.push(all.substring(cut));
      source.end();
      assertEquals((ROLE + HELLO + STOP + DONE).replace("\n", "\r\n"), out.toString(), "cut at " + cut);
      assertEquals(11, usage.promptTokens(), "cut at " + cut);
      assertTrue(ended, "cut at " + cut);
      assertNull(failure, "cut at " + cut);
    }
  }

  @Test
  void aLongEventInManySmallChunksComesOutOnceWhole() {
    relay(false);
    String content = "x".repeat(200_000);
    String big = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"content\":\"" + content + "\"}}]}\n\n";
    String all = big + STOP + DONE;
    for (int i = 0; i < all.length(); i += 1_000) {
      source.push(all.substring(i, Math.min(all.length(), i + 1_000)));
    }
    source.end();
    assertTrue(all.equals(out.toString()), "the stream passed through unchanged");
    assertTrue(emitted.get(0).toString().startsWith(big), "the first bytes passed on hold the long event whole");
    for (Buffer b : emitted) {
      assertTrue(b.toString().endsWith("\n\n"), "only whole events are passed on");
    }
    assertTrue(ended);
  }

  @Test
  void countsUsageAndKeepsTheChunkWhenTheClientAsked() {
    relay(true);
    String all = ROLE + HELLO + STOP + USAGE + DONE;
    source.push(all);
    source.end();
    assertEquals(all, out.toString());
    assertEquals(11, usage.promptTokens());
    assertEquals(7, usage.completionTokens());
  }

  @Test
  void dropsTheUsageChunkWhenTheClientDidNotAsk() {
    relay(false);
    source.push(ROLE + HELLO);
    source.push(STOP + USAGE + DONE);
    source.end();
    assertEquals(ROLE + HELLO + STOP + DONE, out.toString());
    assertEquals(11, usage.promptTokens(), "counted all the same");
    assertEquals(7, usage.completionTokens());
    assertTrue(ended);
  }

  @Test
  void dropsAUsageChunkThatArrivesAlone() {
    relay(false);
    source.push(ROLE + HELLO + STOP);
    source.push(USAGE);
    source.push(DONE);
    source.end();
    assertEquals(ROLE + HELLO + STOP + DONE, out.toString());
    assertEquals(18, usage.promptTokens() + usage.completionTokens());
  }

  @Test
  void usageOnAChunkWithChoicesIsCountedAndKept() {
    relay(false);
    String last = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        + "\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n";
    source.push(ROLE + last + DONE);
    source.end();
    assertEquals(ROLE + last + DONE, out.toString());
    assertEquals(3, usage.promptTokens());
  }

  @Test
  void aUsageChunkIsFoundWhateverItsSpacingAndLinesBeforeItsData() {
    relay(false);
    String spaced = ": keep-alive\nevent: message\r\ndata:{\"id\":\"c1\", \"choices\": [], \"usage\" :\t{\"prompt_tokens\": 5,"
        + " \"completion_tokens\": 4}}\r\n\r\n";
    source.push(ROLE + spaced + DONE);
    source.end();
    assertEquals(ROLE + DONE, out.toString(), "the usage-only chunk is dropped");
    assertEquals(5, usage.promptTokens());
    assertEquals(4, usage.completionTokens());
  }

  @Test
  void usageNamedOnlyInsideTheTextIsNotRead() {
    relay(false);
    String quoted = "data: {\"choices\":[],\"x\":\"\\\"usage\\\": {\\\"prompt_tokens\\\": 9}\"}\n\n";
    source.push(ROLE + quoted + DONE);
    source.end();
    assertEquals(ROLE + quoted + DONE, out.toString(), "not a usage chunk: passed on");
    assertEquals(0, usage.promptTokens());
  }

  @Test
  void truncatedStreamWithoutDoneFails() {
    relay(true);
    source.push(ROLE + HELLO);
    source.end();
    assertFalse(ended, "no clean end");
    assertInstanceOf(UpstreamException.class, failure);
    assertTrue(failure.getMessage().contains("[DONE]"), failure.getMessage());
    assertTrue(((UpstreamException) failure).retryable());
    assertEquals(ROLE + HELLO, out.toString(), "what came before was passed on");
  }

  @Test
  void doneWithoutSpaceAndCrlfSeparatorsAreUnderstood() {
    relay(false);
    String crlf = ROLE.replace("\n\n", "\r\n\r\n") + "data:[DONE]\r\n\r\n";
    source.push(crlf);
    source.end();
    assertTrue(ended, String.valueOf(failure));
    assertEquals(crlf, out.toString());
  }

  @Test
  void oversizedEventFails() {
    relay(true);
    source.push("data: {\"x\":\"" + "a".repeat(SseRelay.MAX_EVENT_BYTES) + "\"}");
    assertInstanceOf(UpstreamException.class, failure);
    assertEquals(0, out.length());
  }

  @Test
  void sourceErrorsAndBackpressureReachTheSource() {
    SseRelay relay = relay(true);
    relay.pause();
    assertTrue(source.paused);
    relay.fetch(3);
    assertEquals(3, source.fetched);
    relay.resume();
    assertFalse(source.paused);
    RuntimeException boom = new RuntimeException("reset");
    source.fail(boom);
    assertEquals(boom, failure);
  }

  @Test
  void aFailureBeforeAnyoneListensIsHeldForTheListener() {
    SseRelay relay = new SseRelay(source, usage, true, "i1");
    RuntimeException boom = new RuntimeException("connection closed while the reply was on its way");
    source.fail(boom);
    relay.exceptionHandler(e -> failure = e);
    assertEquals(boom, failure, "not lost");
  }
}
