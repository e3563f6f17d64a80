package dev.poolgate.protocol;

import dev.poolgate.testing.EventStreamEncoder;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStreamDecoderTest {

  private static Buffer twoMessages() {
    return Buffer.buffer()
        .appendBuffer(EventStreamEncoder.event("contentBlockDelta", "{\"delta\":{\"text\":\"héllo\"}}"))
        .appendBuffer(EventStreamEncoder.event("messageStop", "{\"stopReason\":\"end_turn\"}"));
  }

  @Test
  void decodesWholeMessages() {
    List<EventStreamMessage> out = new EventStreamDecoder().push(twoMessages());

    assertEquals(2, out.size());
    assertEquals("contentBlockDelta", out.get(0).eventType());
    assertEquals("event", out.get(0).messageType());
    assertEquals("{\"delta\":{\"text\":\"héllo\"}}", out.get(0).payload().toString("UTF-8"));
    assertEquals("messageStop", out.get(1).eventType());
  }

  @Test
  void messagesSplitAtEveryByteComeOutWholeAndOnce() {
    Buffer all = twoMessages();
    for (int cut = 1; cut < all.length(); cut++) {
      EventStreamDecoder decoder = new EventStreamDecoder();
      List<EventStreamMessage> out = new ArrayList<>(decoder.push(all.getBuffer(0, cut)));
      out.addAll(decoder.push(all.getBuffer(cut, all.length())));
      assertEquals(2, out.size(), "cut at " + cut);
      assertFalse(decoder.hasPartial());
    }
    EventStreamDecoder byteByByte = new EventStreamDecoder();
    int n = 0;
    for (int i = 0; i < all.length(); i++) {
      n += byteByByte.push(all.getBuffer(i, i + 1)).size();
    }
    assertEquals(2, n);
  }

  @Test
  void holdsAPartialMessage() {
    EventStreamDecoder decoder = new EventStreamDecoder();
    Buffer one = EventStreamEncoder.event("messageStart", "{}");
    assertTrue(decoder.push(one.getBuffer(0, one.length() - 1)).isEmpty());
    assertTrue(decoder.hasPartial());
  }

  @Test
  void corruptPayloadFailsTheMessageCrc() {
    Buffer one = EventStreamEncoder.event("messageStart", "{\"role\":\"assistant\"}");
    one.setByte(one.length() - 8, (byte) 'X');
    ProtocolException e = assertThrows(ProtocolException.class, () -> new EventStreamDecoder().push(one));
    assertTrue(e.getMessage().contains("message CRC"), e.getMessage());
  }

  @Test
  void corruptPreludeFailsThePreludeCrc() {
    Buffer one = EventStreamEncoder.event("messageStart", "{}");
    one.setInt(0, 999);
    ProtocolException e = assertThrows(ProtocolException.class, () -> new EventStreamDecoder().push(one));
    assertTrue(e.getMessage().contains("prelude CRC"), e.getMessage());
  }

  @Test
  void exceptionMessagesSayWhatWentWrong() {
    EventStreamMessage m = new EventStreamDecoder().push(EventStreamEncoder.exception("throttlingException", "slow down")).get(0);
    assertEquals("exception", m.messageType());
    assertTrue(m.problem().startsWith("throttlingException: "), m.problem());
  }

  @Test
  void nonStringHeadersAreSkippedBySize() {
    Buffer headers = Buffer.buffer();
    byte[] name = ":flag".getBytes();
    headers.appendByte((byte) name.length).appendBytes(name).appendByte((byte) 0); // boolean true
    byte[] ts = ":date".getBytes();
    headers.appendByte((byte) ts.length).appendBytes(ts).appendByte((byte) 8).appendLong(1L);
    Buffer msg = EventStreamEncoder.message(Map.of(":event-type", "metadata"), "{}".getBytes());
    // re-encode with the extra headers in front
    Buffer custom = rebuild(headers, msg);
    EventStreamMessage m = new EventStreamDecoder().push(custom).get(0);
    assertEquals("metadata", m.eventType());
  }

  private static Buffer rebuild(Buffer extraHeaders, Buffer msg) {
    int headersLength = msg.getInt(4);
    Buffer headers = extraHeaders.copy().appendBuffer(msg.getBuffer(12, 12 + headersLength));
    Buffer payload = msg.getBuffer(12 + headersLength, msg.length() - 4);
    int total = 12 + headers.length() + payload.length() + 4;
    Buffer out = Buffer.buffer().appendInt(total).appendInt(headers.length());
    out.appendUnsignedInt(EventStreamDecoder.crc(out, 0, 8));
    out.appendBuffer(headers).appendBuffer(payload);
    return out.appendUnsignedInt(EventStreamDecoder.crc(out, 0, out.length()));
  }
}
