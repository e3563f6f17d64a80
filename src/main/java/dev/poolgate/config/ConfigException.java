package dev.poolgate.config;

/** Bad configuration: the message names the key and says what is wrong. */
public final class ConfigException extends RuntimeException {
  private final String key;
  private final String problem;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem, null, false, false);
    this.key = key;
    this.problem = problem;
  }

  /** The full key path, e.g. {@code pools.large.instances[0].max_concurrency}. */
  public String key() {
    return key;
  }

  public String problem() {
    return problem;
  }
}
