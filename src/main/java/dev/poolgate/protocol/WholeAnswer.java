package dev.poolgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A whole JSON answer translated at its end: the bytes are gathered (bounded) and nothing goes
 * out before the answer is complete and translated, so a malformed one can still be retried.
 */
public final class WholeAnswer implements StreamTranslation<Buffer> {
  private final UnaryOperator<JsonObject> translate;
  private final long maxBytes;
  private final Buffer body = Buffer.buffer();
  private boolean done;

  public WholeAnswer(UnaryOperator<JsonObject> translate, long maxBytes) {
    this.translate = translate;
    this.maxBytes = maxBytes;
  }

  /** The framer of a whole answer: every chunk is a frame. */
  public static Framer<Buffer> chunks() {
    return new Framer<>() {
      @Override public List<Buffer> push(Buffer bytes) { return List.of(bytes); }
      @Override public boolean hasPartial() { return false; }
    };
  }

  @Override
  public Buffer translate(Buffer chunk) {
    if (body.length() + chunk.length() > maxBytes) {
      throw new ProtocolException("the answer exceeded " + maxBytes + " bytes");
    }
    body.appendBuffer(chunk);
    return Buffer.buffer();
  }

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public Buffer finish() {
    done = true;
    return translate.apply(Json.answer(body)).toBuffer();
  }
}
