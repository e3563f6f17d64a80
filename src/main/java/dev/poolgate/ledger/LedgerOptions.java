package dev.poolgate.ledger;

/**
 * Timings of the ledger's crash-safety machinery, and its allotments.
 *
 * @param leaseTtlMs     a lease not renewed for this long is reclaimed by the sweep (last backstop)
 * @param renewEveryMs   how often a node renews the leases it still holds
 * @param sweepEveryMs   how often expired leases and stale tickets are swept
 * @param claimPollMs    how often a node with waiting tickets claims grants whose message was lost
 * @param ticketGraceMs  how long past its deadline a ticket may linger before a sweep drops it
 * @param allotMinCap    instances with at least this cap (and no rate limit) may hand units to
 *                       nodes for their local fast path (clustered ledger only); 0 turns it off
 * @param allotSyncMs    how often a node holding units syncs them with the store (outcomes,
 *                       renewal, growth, giving back idle units)
 */
public record LedgerOptions(long leaseTtlMs, long renewEveryMs, long sweepEveryMs, long claimPollMs,
                            long ticketGraceMs, int allotMinCap, long allotSyncMs) {

  /** Instances this big split well over a few nodes and keep a quarter of their cap unallotted. */
  public static final int DEFAULT_ALLOT_MIN_CAP = 32;
  public static final long DEFAULT_ALLOT_SYNC_MS = 200;

  public static final LedgerOptions DEFAULT = new LedgerOptions(30_000, 10_000, 5_000, 500, 5_000);

  public LedgerOptions {
    if (renewEveryMs >= leaseTtlMs) {
      throw new IllegalArgumentException("leases must be renewed more often than they expire");
    }
    if (allotMinCap < 0 || allotSyncMs < 1 || allotSyncMs * 10 > leaseTtlMs) {
      throw new IllegalArgumentException("allotments need a min cap >= 0 and a sync well within the lease TTL");
    }
  }

  /** The given timings with the default allotments. */
  public LedgerOptions(long leaseTtlMs, long renewEveryMs, long sweepEveryMs, long claimPollMs, long ticketGraceMs) {
    this(leaseTtlMs, renewEveryMs, sweepEveryMs, claimPollMs, ticketGraceMs, DEFAULT_ALLOT_MIN_CAP,
        DEFAULT_ALLOT_SYNC_MS);
  }

  /** The same timings with allotments from instances of {@code minCap} (0: off). */
  public LedgerOptions withAllotMinCap(int minCap) {
    return new LedgerOptions(leaseTtlMs, renewEveryMs, sweepEveryMs, claimPollMs, ticketGraceMs, minCap, allotSyncMs);
  }
}
