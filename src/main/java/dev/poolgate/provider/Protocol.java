package dev.poolgate.provider;

/**
 * The wire protocol of a request body or an answer's bytes. A call carries the client's protocol;
 * its reply is always in that protocol, whatever the upstream speaks: adapters that speak it
 * natively pass it through, the others are bridged ({@link ProtocolBridge}).
 */
public enum Protocol {
  /** OpenAI chat completions: {@code chat.completion} JSON, {@code chat.completion.chunk} SSE. */
  OPENAI,
  /** Anthropic Messages: {@code message} JSON, the {@code message_start} ... {@code message_stop} SSE sequence. */
  ANTHROPIC,
  /**
   * OpenAI Responses API: {@code response} JSON, the {@code response.created} ...
   * {@code response.completed} SSE sequence. OpenAI and Azure instances take it natively.
   */
  RESPONSES
}
