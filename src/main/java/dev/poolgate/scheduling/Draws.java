package dev.poolgate.scheduling;

import java.io.Serializable;

/**
 * The random numbers of one pool: a SplitMix64 sequence kept in the pool state, so a draw depends
 * only on the state and the seeds the operations bring in (and owner and backup never disagree).
 */
final class Draws implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long GAMMA = 0x9E3779B97F4A7C15L;

  private long state;

  Draws(long seed) {
    this.state = seed;
  }

  /** Mixes an operation's seed in (0 leaves the sequence as it is). */
  void mix(long seed) {
    state ^= seed * GAMMA;
  }

  /** The next draw, uniform in [0, 1). */
  double next() {
    state += GAMMA;
    long z = state;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53;
  }
}
