package dev.poolgate.provider;

import dev.poolgate.provider.AnswerCheck.Malformed;
import dev.poolgate.provider.AnswerCheck.UsageNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A whole answer is checked and its usage read in one pass, with the errors the tree parse gave. */
class AnswerCheckTest {
  private static final String COMPLETION = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
      + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi {\\\"usage\\\":1}\"},"
      + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18,"
      + "\"prompt_tokens_details\":{\"cached_tokens\":3,\"completion_tokens\":99}}}";

  private final int[] counts = {-1, -1};

  private void check(String json, String required, UsageNames names) throws Malformed {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    AnswerCheck.check(bytes, 0, bytes.length, required, names, (p, c) -> {
      counts[0] = p;
      counts[1] = c;
    });
  }

  private String malformed(String json, String required) {
    return assertThrows(Malformed.class, () -> check(json, required, UsageNames.CHAT)).getMessage();
  }

  @Test
  void aCompletionPassesWithItsUsageAndNestedNamesDoNotCount() throws Malformed {
    check(COMPLETION, "choices", UsageNames.CHAT);
    assertArrayEquals(new int[] {11, 7}, counts);
  }

  @Test
  void anAnswerWithinALargerBufferIsReadFromItsOffset() throws Malformed {
    byte[] framed = ("xx" + COMPLETION + "yy").getBytes(StandardCharsets.UTF_8);
    AnswerCheck.check(framed, 2, framed.length - 4, "choices", UsageNames.CHAT, (p, c) -> counts[0] = p);
    assertEquals(11, counts[0]);
  }

  @Test
  void theResponsesApiCountsInputAndOutputTokens() throws Malformed {
    check("{\"id\":\"resp_1\",\"output\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":9,"
        + "\"prompt_tokens\":100}}", "output", UsageNames.RESPONSES);
    assertArrayEquals(new int[] {5, 9}, counts);
  }

  @Test
  void embeddingsNeedTheirDataList() throws Malformed {
    check("{\"object\":\"list\",\"data\":[{\"embedding\":[0.1,0.2]}],\"usage\":{\"prompt_tokens\":2}}", "data",
        UsageNames.CHAT);
    assertArrayEquals(new int[] {2, 0}, counts);
    assertEquals("no data in the answer", malformed("{\"choices\":[]}", "data"));
  }

  @Test
  void noUsageOrANullUsageLeavesTheCountsAlone() throws Malformed {
    check("{\"choices\":[]}", "choices", UsageNames.CHAT);
    check("{\"choices\":[],\"usage\":null}", "choices", UsageNames.CHAT);
    assertArrayEquals(new int[] {-1, -1}, counts);
  }

  @Test
  void anOddCountIsZeroAndTheLastRepeatedMemberWins() throws Malformed {
    check("{\"choices\":[],\"usage\":{\"prompt_tokens\":\"many\",\"completion_tokens\":4.0}}", "choices",
        UsageNames.CHAT);
    assertArrayEquals(new int[] {0, 4}, counts);
    check("{\"choices\":[],\"usage\":{\"prompt_tokens\":1},\"usage\":{\"prompt_tokens\":2}}", "choices",
        UsageNames.CHAT);
    assertEquals(2, counts[0]);
    assertEquals("no choices in the answer", malformed("{\"choices\":[],\"choices\":{}}", "choices"));
  }

  @Test
  void theListMustBeAnArray() {
    assertEquals("no choices in the answer", malformed("{\"id\":\"c1\"}", "choices"));
    assertEquals("no choices in the answer", malformed("{\"choices\":null}", "choices"));
    assertEquals("no choices in the answer", malformed("{\"choices\":{\"0\":1}}", "choices"));
    assertEquals("no choices in the answer", malformed("{\"x\":{\"choices\":[]}}", "choices"));
  }

  @Test
  void aUsageThatIsNotAnObjectIsMalformed() {
    assertEquals("the answer's usage is not an object", malformed("{\"choices\":[],\"usage\":7}", "choices"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "[]", "[{\"choices\":[]}]", "\"text\"", "42", "null",
      "{\"choices\":[]", "{\"choices\":[}", "{\"choices\":[]}}", "{\"choices\":[]} {}", "{\"choices\":[]} x",
      "{choices:[]}", "{\"choices\":[],}", "<html>bad gateway</html>"})
  void anythingButOneWellFormedObjectIsMalformed(String json) {
    String message = malformed(json, "choices");
    assertEquals(true, message.equals("the answer is not valid JSON")
        || message.equals("the answer is not a JSON object"), message);
  }

  @Test
  void trailingWhitespaceIsFine() throws Malformed {
    check(COMPLETION + "\n  \r\n", "choices", UsageNames.CHAT);
    assertEquals(11, counts[0]);
  }

  // ------------------------------------------------------------------ one chunk of a stream

  private boolean usageChunk(String json) {
    // read in place between other bytes, as the relay reads it out of a network chunk
    byte[] chunk = json.getBytes(StandardCharsets.UTF_8);
    byte[] around = ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    return AnswerCheck.usageChunk(around, 6, chunk.length, (p, c) -> {
      counts[0] = p;
      counts[1] = c;
    });
  }

  @Test
  void theUsageOnlyChunkIsCountedAndToldApart() {
    assertEquals(true, usageChunk("{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
        + "\"completion_tokens\":7,\"completion_tokens_details\":{\"completion_tokens\":99}}}"));
    assertArrayEquals(new int[] {11, 7}, counts);
    counts[0] = -1;
    assertEquals(true, usageChunk("{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}"), "no choices at all");
    assertArrayEquals(new int[] {1, 2}, counts);
  }

  @Test
  void usageOnAChunkWithChoicesIsCountedButTheChunkIsNotUsageOnly() {
    assertEquals(false, usageChunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"]\"}},{\"index\":1}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}"));
    assertArrayEquals(new int[] {3, 2}, counts);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"choices\":[],\"usage\":{\"prompt_tokens\":3",        // cut short
      "[{\"usage\":{\"prompt_tokens\":3}}]",                      // not an object
      "{\"choices\":[],\"usage\":[3,2]}",                         // usage of another shape
      "{\"choices\":{},\"usage\":{\"prompt_tokens\":3}}",        // choices of another shape
      "{\"choices\":[],\"usage\":null}",                          // no usage
      "{\"choices\":[{\"index\":0}]}"})
  void aChunkThatIsNotAUsageChunkCountsNothing(String json) {
    assertEquals(false, usageChunk(json));
    assertArrayEquals(new int[] {-1, -1}, counts);
  }
}
