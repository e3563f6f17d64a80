package dev.poolgate.ledger;

/**
 * Timings of the ledger's crash-safety machinery.
 *
 * @param leaseTtlMs     a lease not renewed for this long is reclaimed by the sweep (last backstop)
 * @param renewEveryMs   how often a node renews the leases it still holds
 * @param sweepEveryMs   how often expired leases and stale tickets are swept
 * @param claimPollMs    how often a node with waiting tickets claims grants whose message was lost
 * @param ticketGraceMs  how long past its deadline a ticket may linger before a sweep drops it
 */
public record LedgerOptions(long leaseTtlMs, long renewEveryMs, long sweepEveryMs, long claimPollMs,
                            long ticketGraceMs) {

  public static final LedgerOptions DEFAULT = new LedgerOptions(30_000, 10_000, 5_000, 500, 5_000);

  public LedgerOptions {
    if (renewEveryMs >= leaseTtlMs) {
      throw new IllegalArgumentException("leases must be renewed more often than they expire");
    }
  }
}
