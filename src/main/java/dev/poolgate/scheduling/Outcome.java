package dev.poolgate.scheduling;

/** What a finished request or probe says about the instance that served it. */
public enum Outcome {
  /** Answered well: counts toward recovery. */
  SUCCESS,
  /** Connect error, timeout, 429, 5xx or a malformed answer: counts toward degraded / unhealthy. */
  FAILURE,
  /** Says nothing about the instance (client went away, client error): health unchanged. */
  NEUTRAL
}
