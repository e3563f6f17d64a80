package dev.poolgate.keys;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import dev.poolgate.Ids;
import dev.poolgate.config.ClientKeyConfig;
import io.vertx.core.Future;

/**
 * What both limiters share: keys without limits take nothing, permit ids, and a refusal turned
 * into the client's 429. Subclasses run the {@link KeyUsage} operations on their store.
 */
abstract class AbstractKeyLimiter implements KeyLimiter {
  private final String nodeId;

  AbstractKeyLimiter(String nodeId) {
    this.nodeId = nodeId;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public final Future<KeyPermit> acquire(ClientKeyConfig key) {
    KeyLimits limits = KeyLimits.of(key);
    if (!limits.any()) {
      return Future.succeededFuture(KeyPermit.unlimited(key.name()));
    }
    KeyPermit permit = new KeyPermit(key.name(), Ids.next(), nodeId, true);
    return acquireOp(permit, limits, System.currentTimeMillis()).compose(refusal -> refusal == null
        ? Future.succeededFuture(permit)
        : Future.failedFuture(refused(key.name(), refusal)));
  }

  @Override
  public final Future<Void> release(KeyPermit permit, long tokensUsed) {
    if (!permit.counted()) {
      return Future.succeededFuture();
    }
    return releaseOp(permit, Math.max(0, tokensUsed), System.currentTimeMillis());
  }

  /** Runs {@link KeyUsage#acquire} on the key's value; null = admitted. */
  protected abstract Future<Refusal> acquireOp(KeyPermit permit, KeyLimits limits, long now);

  /** Runs {@link KeyUsage#release} on the key's value. */
  protected abstract Future<Void> releaseOp(KeyPermit permit, long tokensUsed, long now);

  static GatewayException refused(String key, Refusal r) {
    String what = switch (r.limit()) {
      case MAX_CONCURRENCY -> r.value() + " requests in flight at once";
      case MAX_RPS -> r.value() + " requests per second";
      case MAX_TPM -> r.value() + " tokens per minute";
    };
    return new GatewayException(ErrorKind.RATE_LIMITED, "the client key '" + key + "' is over its "
        + r.limit().configKey() + " of " + what + "; retry after " + r.retryAfterSeconds() + " s",
        r.retryAfterSeconds());
  }
}
