package dev.poolgate.protocol;

/** Where a translator reports the tokens an answer used (the provider's usage record). */
@FunctionalInterface
public interface TokenCounts {
  void set(int promptTokens, int completionTokens);
}
