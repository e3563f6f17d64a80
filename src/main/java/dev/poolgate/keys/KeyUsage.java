package dev.poolgate.keys;

import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one client key is using right now: its permits in flight, by the node holding each, its
 * requests of the last second and its tokens of the last minute. Every operation is atomic on one
 * value (a lock locally, an entry processor in a cluster) and depends only on the state and its
 * inputs (time and ids come from the caller), so a backup replica that runs it again ends the same.
 *
 * <p>Permits are recorded per owning node, so the permits of a node that died can be dropped
 * without anyone having to release them. Acquire and release are idempotent per permit id: a
 * store's retry never takes a second permit or counts tokens twice.
 */
public final class KeyUsage implements Serializable {
  private static final long serialVersionUID = 1L;
  /** max_rps: one second, sliding in tenths. */
  static final int RPS_BUCKETS = 10;
  static final long RPS_BUCKET_MS = 100;
  /** max_tpm: one minute, sliding by the second. */
  static final int TPM_BUCKETS = 60;
  static final long TPM_BUCKET_MS = 1_000;
  /** What a refusal for concurrency suggests: a request in flight usually ends within it. */
  static final long CONCURRENCY_RETRY_MS = 1_000;

  private final Map<String, Set<String>> permitsByNode = new HashMap<>();
  private final BucketWindow requests = new BucketWindow(RPS_BUCKETS, RPS_BUCKET_MS);
  private final BucketWindow tokens = new BucketWindow(TPM_BUCKETS, TPM_BUCKET_MS);

  /**
   * Takes a permit for one request if every limit admits it; a refused request takes nothing and
   * is not counted. A permit id already held is admitted again (idempotent).
   *
   * @return null when admitted, else why not
   */
  public Refusal acquire(String nodeId, String permitId, KeyLimits limits, long now) {
    Set<String> held = permitsByNode.get(nodeId);
    if (held != null && held.contains(permitId)) {
      return null;
    }
    if (limits.maxConcurrency() > 0 && inFlight() >= limits.maxConcurrency()) {
      return new Refusal(KeyLimit.MAX_CONCURRENCY, limits.maxConcurrency(), CONCURRENCY_RETRY_MS);
    }
    if (limits.maxRps() > 0) {
      long wait = requests.waitUnder(now, limits.maxRps());
      if (wait > 0) {
        return new Refusal(KeyLimit.MAX_RPS, limits.maxRps(), wait);
      }
    }
    if (limits.maxTpm() > 0) {
      long wait = tokens.waitUnder(now, limits.maxTpm());
      if (wait > 0) {
        return new Refusal(KeyLimit.MAX_TPM, limits.maxTpm(), wait);
      }
    }
    permitsByNode.computeIfAbsent(nodeId, n -> new HashSet<>()).add(permitId);
    requests.add(now, 1);
    return null;
  }

  /**
   * Gives a permit back with the tokens its request used. Unknown permits (already released, or
   * dropped with their node) are a no-op and count no tokens.
   *
   * @return whether the permit was held
   */
  public boolean release(String nodeId, String permitId, long tokensUsed, long now) {
    Set<String> held = permitsByNode.get(nodeId);
    if (held == null || !held.remove(permitId)) {
      return false;
    }
    if (held.isEmpty()) {
      permitsByNode.remove(nodeId);
    }
    if (tokensUsed > 0) {
      tokens.add(now, tokensUsed);
    }
    return true;
  }

  /** Drops every permit of a node that is gone; returns how many. */
  public int purgeNode(String nodeId) {
    Set<String> held = permitsByNode.remove(nodeId);
    return held == null ? 0 : held.size();
  }

  /** The nodes holding permits here. */
  public Set<String> nodes() {
    return Set.copyOf(permitsByNode.keySet());
  }

  /** Permits in flight, all nodes together. */
  public int inFlight() {
    int n = 0;
    for (Set<String> held : permitsByNode.values()) {
      n += held.size();
    }
    return n;
  }

  /** Nothing held and nothing in the windows: the value may be dropped. */
  public boolean idle(long now) {
    return permitsByNode.isEmpty() && requests.total(now) == 0 && tokens.total(now) == 0;
  }
}
