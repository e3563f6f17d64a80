package dev.poolgate.provider;

/** The operations a provider call can be for. */
public enum Endpoint {
  CHAT("/chat/completions"),
  COMPLETIONS("/completions"),
  EMBEDDINGS("/embeddings"),
  /** Anthropic's token counting ({@code POST /v1/messages/count_tokens}): only Anthropic instances serve it. */
  COUNT_TOKENS("/messages/count_tokens");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** Path under an OpenAI-compatible base URL. */
  public String path() {
    return path;
  }
}
