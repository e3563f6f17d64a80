package dev.poolgate.config;

/** Bad configuration: the message names the key and says what is wrong. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String key, String problem) {
    super(key + ": " + problem, null, false, false);
  }
}
