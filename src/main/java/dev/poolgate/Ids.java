package dev.poolgate;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Unique ids for requests, tickets and leases. They need to be unique, not unguessable, so they
 * come from the thread's own random generator: {@code UUID.randomUUID()} goes through the shared
 * SecureRandom and is a measurable cost at tens of thousands of requests a second.
 */
public final class Ids {
  private Ids() {
  }

  /** A random (version 4 shaped) UUID string. */
  public static String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** A compact id for completion objects ({@code chatcmpl-...}). */
  public static String compact() {
    return next().replace("-", "");
  }
}
