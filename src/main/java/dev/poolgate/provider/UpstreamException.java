package dev.poolgate.provider;

import dev.poolgate.ErrorKind;
import dev.poolgate.config.TimeBudget;
import dev.poolgate.scheduling.Outcome;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.TimeoutException;

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

  public static UpstreamException timeout(String instance, TimeBudget.Bound bound) {
    return new UpstreamException(ErrorKind.UPSTREAM_TIMEOUT, true, Outcome.FAILURE,
        "instance " + instance + " did not answer in time (" + bound.key() + ")");
  }

  /**
   * What a failure of the HTTP exchange with an upstream means, recognized by the types in its
   * cause chain: ours as they are, a budget bound that ran out (ours or Vert.x's idle and connect
   * timeouts) as a timeout, anything else as an unreachable instance.
   */
  public static UpstreamException classify(String instance, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UpstreamException u) {
        return u;
      }
      if (t instanceof UpstreamTimeoutException u) {
        return timeout(instance, u.bound());
      }
      if (t instanceof ConnectTimeoutException) {
        return timeout(instance, TimeBudget.Bound.CONNECT);
      }
      if (t instanceof TimeoutException) {
        // Vert.x's own idle timeout of the request (NoStackTraceTimeoutException)
        return timeout(instance, TimeBudget.Bound.IDLE);
      }
    }
    return connect(instance, e);
  }

  /**
   * A streamed answer that broke off: a timeout if a bound ran out, else a malformed answer (the
   * upstream stopped mid-way or sent bytes that do not parse).
   */
  public static UpstreamException brokeOff(String instance, Throwable e) {
    UpstreamException classified = classify(instance, e);
    return classified.kind() == ErrorKind.UPSTREAM_TIMEOUT || e instanceof UpstreamException ? classified
        : malformed(instance, "the answer broke off: " + e.getMessage());
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
