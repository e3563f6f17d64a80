package dev.poolgate.provider;

import dev.poolgate.config.TimeBudget;

import java.util.concurrent.TimeoutException;

/**
 * An upstream call that ran out of one bound of its instance's {@link TimeBudget}: the cause the
 * upstream request is reset with, so whoever reads the broken answer knows it was a timeout by its
 * type, not by the text of a message. Control flow: no stack trace.
 */
public final class UpstreamTimeoutException extends TimeoutException {
  private final transient TimeBudget.Bound bound;

  public UpstreamTimeoutException(String instance, TimeBudget.Bound bound, long limitMs) {
    super("instance " + instance + " ran out of its " + bound.key() + " (" + limitMs + " ms)");
    this.bound = bound;
  }

  public TimeBudget.Bound bound() {
    return bound;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
