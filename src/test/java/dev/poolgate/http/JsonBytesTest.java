package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Strict UTF-8 and bounded nesting, checked on the bytes before parsing. */
class JsonBytesTest {

  private static byte[] inString(String hex) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("{\"content\":\"a".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(HexFormat.of().parseHex(hex));
    out.writeBytes("b\"}".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static String rejected(byte[] body, int maxDepth) {
    GatewayException e = assertThrows(GatewayException.class, () -> JsonBytes.check(body, maxDepth));
    assertEquals(ErrorKind.INVALID_JSON, e.kind());
    return e.getMessage();
  }

  @Test
  void everyWellFormedSequenceLengthPasses() {
    for (String text : List.of("plain ascii", "é", "\u07FF", "\u0800", "✓", "\uD7FF", "\uE000", "\uFFFD", "\uFFFF",
        "😀", "\uDBFF\uDFFF")) {
      byte[] body = ("{\"content\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
      assertDoesNotThrow(() -> JsonBytes.check(body, 4), text);
    }
  }

  @Test
  void illFormedSequencesAreRejectedWherever() {
    List<String> illFormed = List.of(
        "80", "bf",         // continuation bytes with no lead
        "c0af", "c1bf",     // overlong 2-byte forms
        "e0809f", "e09fbf", // overlong 3-byte forms
        "eda080", "edbfbf", // surrogates
        "f08fbfbf",         // overlong 4-byte form
        "f4908080",         // above U+10FFFF
        "f5808080", "ff", "fe",
        "c3", "e282", "f09f98", // cut short (followed by an ASCII 'b')
        "c3c3");            // a lead where a continuation belongs
    for (String hex : illFormed) {
      assertTrue(rejected(inString(hex), 4).contains("UTF-8"), hex);
    }
  }

  @Test
  void aSequenceCutByTheEndOfTheBodyIsRejected() {
    assertTrue(rejected(new byte[] {'{', '"', (byte) 0xE2, (byte) 0x82}, 4).contains("UTF-8"));
  }

  @Test
  void nestingIsBoundedAndCountsObjectsAndArraysAlike() {
    assertDoesNotThrow(() -> JsonBytes.check("{\"a\":[{\"b\":[1]}]}".getBytes(), 4));
    String message = rejected("{\"a\":[{\"b\":[[1]]}]}".getBytes(), 4);
    assertTrue(message.contains("nested deeper than 4"), message);
    assertDoesNotThrow(() -> JsonBytes.check("[[]][[]][[]]".getBytes(), 2), "depth, not the number of brackets");
  }

  @Test
  void bracketsInStringsDoNotCountAndEscapedQuotesDoNotEndThem() {
    assertDoesNotThrow(() -> JsonBytes.check("{\"a\":\"[[[[{{{{\"}".getBytes(), 1));
    assertDoesNotThrow(() -> JsonBytes.check("{\"a\":\"\\\"[[[[\\\\\"}".getBytes(), 1));
    rejected("{\"a\":\"\\\\\",\"b\":[[1]]}".getBytes(), 2);
  }

  @Test
  void anUnclosedBodyDeeperThanTheBoundIsRejectedWithoutRecursion() {
    byte[] deep = "[".repeat(1_000_000).getBytes();
    assertTrue(rejected(deep, JsonBytes.MAX_NESTING_DEPTH).contains("nested"));
  }
}
