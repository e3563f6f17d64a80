package dev.poolgate.keys;

import java.io.Serializable;

/**
 * Why a client key's request was refused, and when it may come back.
 *
 * @param limit        the limit it ran into
 * @param value        that limit's configured value
 * @param retryAfterMs how long until the limit could admit it (at least 1 s is told to clients)
 */
public record Refusal(KeyLimit limit, long value, long retryAfterMs) implements Serializable {

  /** Whole seconds, at least 1: what the {@code Retry-After} header says. */
  public long retryAfterSeconds() {
    return Math.max(1, (retryAfterMs + 999) / 1000);
  }
}
