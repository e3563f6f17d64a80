package dev.poolgate.http;

import dev.poolgate.ErrorKind;

/**
 * One pass over a request body's bytes before it is parsed: strict UTF-8 and a bound on nesting.
 *
 * <p>Why not leave both to the JSON parser: Jackson accepts overlong forms, encoded surrogates and
 * code points above U+10FFFF inside strings, which would then go upstream as other characters
 * than the client sent; and its nesting bound (1000) is far deeper than any chat request needs,
 * while the gateway walks the parsed tree recursively afterwards (copy, cache key, translation).
 * A body that fails either check is rejected whole, before anything is built from it.
 */
public final class JsonBytes {
  /** Deeper than any real request (tool schemas included) and far from any stack limit. */
  public static final int MAX_NESTING_DEPTH = 128;

  private JsonBytes() {
  }

  /**
   * Throws {@link ErrorKind#INVALID_JSON} when the bytes are not UTF-8 or open more than
   * {@code maxDepth} objects / arrays at once. Brackets inside strings do not count.
   */
  public static void check(byte[] body, int maxDepth) {
    int depth = 0;
    boolean inString = false;
    int i = 0;
    while (i < body.length) {
      int c = body[i];
      if (c < 0) {
        i = afterSequence(body, i);
        continue;
      }
      if (inString) {
        if (c == '"') {
          inString = false;
        } else if (c == '\\') {
          i++; // the escaped byte cannot end the string
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > maxDepth) {
          throw ErrorKind.INVALID_JSON.exception("the request body is nested deeper than " + maxDepth + " levels");
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
      i++;
    }
  }

  /** The index after the multi-byte UTF-8 sequence starting at {@code i} (Unicode's table 3-7). */
  private static int afterSequence(byte[] b, int i) {
    int lead = b[i] & 0xFF;
    int length;
    int min = 0x80;
    int max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) {
        min = 0xA0; // else overlong
      } else if (lead == 0xED) {
        max = 0x9F; // else a UTF-16 surrogate
      }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) {
        min = 0x90; // else overlong
      } else if (lead == 0xF4) {
        max = 0x8F; // else above U+10FFFF
      }
    } else {
      throw invalid(i);
    }
    if (i + length > b.length) {
      throw invalid(i);
    }
    int second = b[i + 1] & 0xFF;
    if (second < min || second > max) {
      throw invalid(i);
    }
    for (int k = 2; k < length; k++) {
      if ((b[i + k] & 0xC0) != 0x80) {
        throw invalid(i);
      }
    }
    return i + length;
  }

  private static RuntimeException invalid(int offset) {
    return ErrorKind.INVALID_JSON.exception("the request body is not valid UTF-8 (at byte " + offset + ")");
  }
}
