package dev.poolgate.provider;

/** The OpenAI operations a provider call can be for. */
public enum Endpoint {
  CHAT("/chat/completions"),
  COMPLETIONS("/completions"),
  EMBEDDINGS("/embeddings");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** Path under an OpenAI-compatible base URL. */
  public String path() {
    return path;
  }
}
