package dev.poolgate.config;

import java.util.Set;

/**
 * The admin API and where run-time changes are kept.
 *
 * @param token    the bearer token of {@code /admin}; null = admin API disabled
 * @param stateDir directory where changes made through the admin API are persisted; null = not persisted
 */
public record AdminConfig(String token, String stateDir) {
  public static final int MIN_TOKEN_LENGTH = 16;

  static AdminConfig from(Fields f) {
    f.only(Set.of("token", "state_dir"));
    // an empty token (an unset ${POOLGATE_ADMIN_TOKEN}) leaves the admin API off
    String token = f.raw().getValue("token") instanceof String s && s.isBlank() ? null : f.string("token", null);
    if (token != null && token.length() < MIN_TOKEN_LENGTH) {
      throw new ConfigException(f.key("token"), "the admin token must be at least " + MIN_TOKEN_LENGTH + " characters");
    }
    String stateDir = f.raw().getValue("state_dir") instanceof String s && s.isBlank() ? null
        : f.string("state_dir", null);
    return new AdminConfig(token, stateDir);
  }

  public boolean enabled() {
    return token != null;
  }
}
