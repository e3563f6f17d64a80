package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one SSE parser: event boundaries on LF and CRLF, partial events held, characters split between chunks. */
class SseFramerTest {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void theBoundaryScansFindBlankLinesInLfAndCrlf() {
    byte[] lf = ascii("data: a\n\ndata: b\n\ndata: c");
    assertEquals(18, SseFramer.lastEventEnd(lf));
    assertEquals(9, SseFramer.nextEventEnd(lf, 0, 18));
    assertEquals(18, SseFramer.nextEventEnd(lf, 9, 18));

    byte[] crlf = ascii("data: a\r\n\r\ndata: b\r\n\r\n");
    assertEquals(crlf.length, SseFramer.lastEventEnd(crlf));
    assertEquals(11, SseFramer.nextEventEnd(crlf, 0, crlf.length));

    assertEquals(-1, SseFramer.lastEventEnd(ascii("data: a\ndata: b\n")), "no blank line: no complete event");
    assertEquals(-1, SseFramer.lastEventEnd(new byte[0]));
    assertEquals(5, SseFramer.nextEventEnd(ascii("data:"), 0, 5), "no boundary: the event runs to the end given");
  }

  @Test
  void eventsComeWholeWhateverTheChunking() {
    SseFramer framer = new SseFramer();
    assertTrue(framer.push(Buffer.buffer("event: delta\ndata: {\"t\":1}")).isEmpty());
    assertTrue(framer.hasPartial());
    List<SseEvent> events = framer.push(Buffer.buffer("\r\n\r\n: keep-alive\n\ndata: x\ndata: y\n\ndata: tail"));
    assertEquals(List.of(new SseEvent("delta", "{\"t\":1}"), new SseEvent(null, "x\ny")), events,
        "the comment-only event is left out; two data lines join with a newline");
    assertEquals(List.of(new SseEvent(null, "tail")), framer.end(), "the last event without its blank line");
    assertFalse(framer.hasPartial());
  }

  @Test
  void crlfEventsInOneByteChunksComeOutAsInOneChunk() {
    String all = "event: a\r\ndata: 1\r\n\r\ndata: 2\r\ndata: 3\r\n\r\n: ping\r\n\r\ndata: 4\r\n\r\n";
    List<SseEvent> whole = new SseFramer().push(Buffer.buffer(all));
    SseFramer framer = new SseFramer();
    List<SseEvent> bytewise = new java.util.ArrayList<>();
    for (int i = 0; i < all.length(); i++) {
      bytewise.addAll(framer.push(Buffer.buffer(all.substring(i, i + 1))));
    }
    assertEquals(List.of(new SseEvent("a", "1"), new SseEvent(null, "2\n3"), new SseEvent(null, "4")), whole);
    assertEquals(whole, bytewise);
    assertFalse(framer.hasPartial());
  }

  @Test
  void aCharacterSplitBetweenTwoChunksIsDecodedWhole() {
    byte[] event = "data: héllo 中文\n\n".getBytes(StandardCharsets.UTF_8);
    int cut = "data: h".length() + 1; // inside the two bytes of 'é'
    SseFramer framer = new SseFramer();
    assertTrue(framer.push(Buffer.buffer(java.util.Arrays.copyOfRange(event, 0, cut))).isEmpty());
    List<String> data = framer.pushData(Buffer.buffer(java.util.Arrays.copyOfRange(event, cut, event.length)));
    assertEquals(List.of("héllo 中文"), data);
  }

  @Test
  void anEventOverTheBoundIsRefused() {
    SseFramer framer = new SseFramer();
    Buffer big = Buffer.buffer(new byte[SseFramer.MAX_EVENT_BYTES + 1]);
    assertThrows(ProtocolException.class, () -> framer.push(big));
  }
}
