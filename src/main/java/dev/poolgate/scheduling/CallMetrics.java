package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * What a finished call measured, reported with its release: feeds the latency strategy and the
 * tokens-per-minute limit.
 *
 * @param ttfbMs time from sending the upstream request to its answer's first byte; negative if
 *               there was no answer
 * @param tokens prompt + completion tokens the answer used (0 if unknown)
 */
public record CallMetrics(long ttfbMs, long tokens) implements Serializable {
  public static final CallMetrics NONE = new CallMetrics(-1, 0);
}
