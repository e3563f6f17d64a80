package dev.poolgate.config;

import java.util.Set;

/**
 * How the built-in mock provider behaves, so a node with no API keys still shows real latency,
 * streaming, caps and queueing.
 *
 * @param latencyMs       time to the first token
 * @param tokensPerSecond generation speed after the first token
 * @param chunkTokens     tokens per stream chunk
 * @param errorRate       share of calls answered with a 500 (0–1)
 * @param replyTokens     tokens in a reply when the request sets no max_tokens
 * @param fault           a bug to play ({@code fault}: none, before_call, on_head, mid_body,
 *                        at_end): the call throws at that stage, so what a broken adapter does to
 *                        the gateway (nothing may leak) can be tried on a running node
 */
public record MockOptions(long latencyMs, int tokensPerSecond, int chunkTokens, double errorRate, int replyTokens,
                          Fault fault) {
  public static final MockOptions DEFAULT = new MockOptions(200, 50, 1, 0.0, 24, Fault.NONE);

  /** Where the mock's call throws. */
  public enum Fault {
    NONE, BEFORE_CALL, ON_HEAD, MID_BODY, AT_END
  }

  static MockOptions from(Fields f) {
    f.only(Set.of("latency_ms", "tokens_per_second", "chunk_tokens", "error_rate", "reply_tokens", "fault"));
    String fault = f.string("fault", "none");
    Fault parsed = java.util.Arrays.stream(Fault.values()).filter(v -> v.name().equalsIgnoreCase(fault)).findFirst()
        .orElseThrow(() -> new ConfigException(f.key("fault"),
            "must be one of none, before_call, on_head, mid_body, at_end, got '" + fault + "'"));
    return new MockOptions(
        f.number("latency_ms", DEFAULT.latencyMs, 0, 600_000),
        f.integer("tokens_per_second", DEFAULT.tokensPerSecond, 1, 1_000_000),
        f.integer("chunk_tokens", DEFAULT.chunkTokens, 1, 10_000),
        f.decimal("error_rate", DEFAULT.errorRate, 0, 1),
        f.integer("reply_tokens", DEFAULT.replyTokens, 1, 100_000),
        parsed);
  }
}
