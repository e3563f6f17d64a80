package dev.poolgate.keys;

/** The limit a request of a client key ran into. */
public enum KeyLimit {
  MAX_CONCURRENCY("max_concurrency"),
  MAX_RPS("max_rps"),
  MAX_TPM("max_tpm");

  private final String configKey;

  KeyLimit(String configKey) {
    this.configKey = configKey;
  }

  /** The field of the key's config that sets it. */
  public String configKey() {
    return configKey;
  }
}
