package dev.poolgate;

/**
 * A failure that is control flow, not a bug: it carries its kind and builds no stack trace.
 */
public final class GatewayException extends RuntimeException {
  private final ErrorKind kind;
  private final long retryAfterSeconds;

  public GatewayException(ErrorKind kind, String message) {
    this(kind, message, 1);
  }

  public GatewayException(ErrorKind kind, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public ErrorKind kind() { return kind; }

  public long retryAfterSeconds() { return retryAfterSeconds; }

  /** The kind of any throwable: ours keep theirs, anything else is internal. */
  public static ErrorKind kindOf(Throwable t) {
    return t instanceof GatewayException g ? g.kind : ErrorKind.INTERNAL;
  }
}
