package dev.poolgate.config;

import java.util.Set;

/**
 * The HTTP listener.
 *
 * @param logPayloads log each request's prompt and answer on the {@code poolgate.payload} logger;
 *                    off by default, because prompts and answers are the users' data
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int idleTimeoutSeconds,
                           long requestTimeoutMs, long drainTimeoutMs, boolean logPayloads) {
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_MAX_BODY_BYTES = 1_048_576;

  static ServerConfig from(Fields f) {
    f.only(Set.of("host", "port", "max_body_bytes", "idle_timeout_s", "request_timeout_ms", "drain_timeout_ms",
        "log_payloads"));
    return new ServerConfig(f.string("host", DEFAULT_HOST),
        f.integer("port", DEFAULT_PORT, 0, 65535),
        f.number("max_body_bytes", DEFAULT_MAX_BODY_BYTES, 1, 1L << 30),
        f.integer("idle_timeout_s", 120, 1, 86_400),
        f.number("request_timeout_ms", 30_000, 100, 3_600_000),
        f.number("drain_timeout_ms", 30_000, 0, 3_600_000),
        f.bool("log_payloads", false));
  }
}
