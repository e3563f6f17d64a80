package dev.poolgate.config;

/**
 * How long one upstream call of an instance may take, each bound saying what it bounds. Applied
 * where the call is made (the upstream HTTP client), the one timer set on an upstream call: no
 * other timer in the gateway gives up on it, so a slot is never freed while its call is open.
 *
 * @param connectMs   to open the connection (TCP and TLS): {@code connect_timeout_ms}
 * @param firstByteMs from sending the request to the answer's status and headers:
 *                    {@code first_byte_timeout_ms}
 * @param idleMs      longest gap without a byte, from sending the request to the last byte of
 *                    the answer: {@code idle_timeout_ms}
 * @param totalMs     the whole call, from sending the request to the last byte: {@code total_timeout_ms}
 */
public record TimeBudget(long connectMs, long firstByteMs, long idleMs, long totalMs) {
  public static final long DEFAULT_CONNECT_MS = 5_000;
  /** {@code timeout_ms}: the default of both the first-byte and the idle bound. */
  public static final long DEFAULT_TIMEOUT_MS = 60_000;
  /** Long enough for any sane generation, short enough that a trickling upstream cannot hold a slot for good. */
  public static final long DEFAULT_TOTAL_MS = 600_000;
  public static final long MAX_MS = 3_600_000;

  /** The bound a call ran out of; {@link dev.poolgate.provider.UpstreamTimeoutException} names it. */
  public enum Bound {
    CONNECT("connect_timeout_ms"),
    FIRST_BYTE("first_byte_timeout_ms"),
    IDLE("idle_timeout_ms"),
    TOTAL("total_timeout_ms");

    private final String key;

    Bound(String key) {
      this.key = key;
    }

    /** The config key that sets this bound. */
    public String key() {
      return key;
    }
  }

  /**
   * Reads the budget of one instance. {@code timeout_ms} (the one timeout of earlier versions, an
   * idle timeout) stays the default of the first-byte and idle bounds.
   */
  static TimeBudget from(Fields f) {
    long timeout = f.number("timeout_ms", DEFAULT_TIMEOUT_MS, 1, MAX_MS);
    long connect = f.number("connect_timeout_ms", DEFAULT_CONNECT_MS, 1, 600_000);
    long firstByte = f.number("first_byte_timeout_ms", timeout, 1, MAX_MS);
    long idle = f.number("idle_timeout_ms", timeout, 1, MAX_MS);
    long total = f.number("total_timeout_ms", Math.max(DEFAULT_TOTAL_MS, firstByte), 1, MAX_MS);
    if (total < firstByte) {
      throw new ConfigException(f.key("total_timeout_ms"), "must be at least first_byte_timeout_ms ("
          + firstByte + "), got " + total);
    }
    return new TimeBudget(connect, firstByte, idle, total);
  }
}
