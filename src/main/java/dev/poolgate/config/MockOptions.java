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
 */
public record MockOptions(long latencyMs, int tokensPerSecond, int chunkTokens, double errorRate, int replyTokens) {
  public static final MockOptions DEFAULT = new MockOptions(200, 50, 1, 0.0, 24);

  static MockOptions from(Fields f) {
    f.only(Set.of("latency_ms", "tokens_per_second", "chunk_tokens", "error_rate", "reply_tokens"));
    return new MockOptions(
        f.number("latency_ms", DEFAULT.latencyMs, 0, 600_000),
        f.integer("tokens_per_second", DEFAULT.tokensPerSecond, 1, 1_000_000),
        f.integer("chunk_tokens", DEFAULT.chunkTokens, 1, 10_000),
        f.decimal("error_rate", DEFAULT.errorRate, 0, 1),
        f.integer("reply_tokens", DEFAULT.replyTokens, 1, 100_000));
  }
}
