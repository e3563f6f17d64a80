package dev.poolgate.protocol;

/** Why generation stopped, in each protocol's words. */
public final class FinishReasons {
  private FinishReasons() {
  }

  /** Anthropic {@code stop_reason} (also Bedrock's {@code stopReason}) → OpenAI {@code finish_reason}. */
  public static String toOpenAi(String stopReason) {
    if (stopReason == null) {
      return null;
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal", "guardrail_intervened", "content_filtered" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }

  /** OpenAI {@code finish_reason} → Anthropic {@code stop_reason}. */
  public static String toAnthropic(String finishReason) {
    if (finishReason == null) {
      return "end_turn";
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn";
    };
  }
}
