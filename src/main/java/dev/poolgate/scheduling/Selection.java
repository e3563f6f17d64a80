package dev.poolgate.scheduling;

/**
 * What a {@link Selector} may look at besides the candidates.
 *
 * @param now            the operation's time (epoch millis), passed in by the caller
 * @param draws          the pool's random draws, seeded by the operation
 * @param latencyDecayMs how fast an unrefreshed latency estimate decays (the EWMA's time constant)
 */
record Selection(long now, Draws draws, long latencyDecayMs) {
}
