package dev.poolgate.provider;

import io.vertx.core.json.JsonObject;

/** Tokens an answer used, filled in as the answer passes (the last usage seen wins). */
public final class Usage {
  private volatile int promptTokens;
  private volatile int completionTokens;

  public int promptTokens() { return promptTokens; }
  public int completionTokens() { return completionTokens; }

  public void set(int prompt, int completion) {
    this.promptTokens = prompt;
    this.completionTokens = completion;
  }

  /** Reads an OpenAI {@code usage} object, ignoring what is missing. */
  public void read(JsonObject usage) {
    if (usage != null) {
      set(usage.getInteger("prompt_tokens", 0), usage.getInteger("completion_tokens", 0));
    }
  }
}
