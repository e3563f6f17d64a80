package dev.poolgate.provider;

import dev.poolgate.ErrorKind;
import dev.poolgate.scheduling.Outcome;
import io.vertx.core.buffer.Buffer;

/**
 * An upstream call that failed before its body could be passed on. Carries whether another
 * instance may be tried, what it says about the instance's health, and — for upstream client
 * errors that go back to the client as they are — the upstream's status and body.
 */
public final class UpstreamException extends RuntimeException {
  private final ErrorKind kind;
  private final boolean retryable;
  private final Outcome outcome;
  private final int upstreamStatus;
  private final Buffer upstreamBody;

  public UpstreamException(ErrorKind kind, boolean retryable, Outcome outcome, String message) {
    this(kind, retryable, outcome, message, 0, null);
  }

  public UpstreamException(ErrorKind kind, boolean retryable, Outcome outcome, String message,
                           int upstreamStatus, Buffer upstreamBody) {
    super(message, null, false, false);
    this.kind = kind;
    this.retryable = retryable;
    this.outcome = outcome;
    this.upstreamStatus = upstreamStatus;
    this.upstreamBody = upstreamBody;
  }

  /** Connect refused, reset, DNS: another instance may do better. */
  public static UpstreamException connect(String instance, Throwable cause) {
    return new UpstreamException(ErrorKind.UPSTREAM_ERROR, true, Outcome.FAILURE,
        "instance " + instance + " could not be reached: " + cause.getMessage());
  }

  public static UpstreamException timeout(String instance) {
    return new UpstreamException(ErrorKind.UPSTREAM_TIMEOUT, true, Outcome.FAILURE,
        "instance " + instance + " did not answer in time");
  }

  public static UpstreamException malformed(String instance, String what) {
    return new UpstreamException(ErrorKind.UPSTREAM_ERROR, true, Outcome.FAILURE,
        "instance " + instance + " sent a malformed answer: " + what);
  }

  /** Maps an upstream HTTP error status: 429 and 5xx are retried elsewhere, other 4xx go back as they are. */
  public static UpstreamException status(String instance, int status, Buffer body) {
    if (status == 429) {
      return new UpstreamException(ErrorKind.UPSTREAM_OVERLOADED, true, Outcome.FAILURE,
          "instance " + instance + " is rate limited (429)", status, body);
    }
    if (status == 408 || status == 504) {
      return new UpstreamException(ErrorKind.UPSTREAM_TIMEOUT, true, Outcome.FAILURE,
          "instance " + instance + " timed out (" + status + ")", status, body);
    }
    if (status >= 500) {
      return new UpstreamException(ErrorKind.UPSTREAM_ERROR, true, Outcome.FAILURE,
          "instance " + instance + " failed with status " + status, status, body);
    }
    // the upstream refused our credentials: the instance is broken, not the request
    Outcome outcome = status == 401 || status == 403 ? Outcome.FAILURE : Outcome.NEUTRAL;
    return new UpstreamException(ErrorKind.BAD_REQUEST, false, outcome,
        "instance " + instance + " rejected the request with status " + status, status, body);
  }

  public ErrorKind kind() { return kind; }
  public boolean retryable() { return retryable; }
  public Outcome outcome() { return outcome; }
  public int upstreamStatus() { return upstreamStatus; }
  public Buffer upstreamBody() { return upstreamBody; }

  /** Whether the upstream's own status and body should reach the client unchanged. */
  public boolean passThrough() {
    return !retryable && upstreamStatus >= 400 && upstreamStatus < 500 && upstreamBody != null;
  }
}
