package dev.poolgate.keys;

import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The key limiter of a standalone node: each key's {@link KeyUsage} in memory, under its own lock. */
public final class LocalKeyLimiter extends AbstractKeyLimiter {
  public static final String NODE_ID = "local";

  private final Map<String, KeyUsage> usage = new ConcurrentHashMap<>();

  public LocalKeyLimiter() {
    super(NODE_ID);
  }

  @Override
  protected Future<Refusal> acquireOp(KeyPermit permit, KeyLimits limits, long now) {
    KeyUsage u = usage.computeIfAbsent(permit.key(), k -> new KeyUsage());
    synchronized (u) {
      return Future.succeededFuture(u.acquire(permit.nodeId(), permit.permitId(), limits, now));
    }
  }

  @Override
  protected Future<Void> releaseOp(KeyPermit permit, long tokensUsed, long now) {
    KeyUsage u = usage.get(permit.key());
    if (u != null) {
      synchronized (u) {
        u.release(permit.nodeId(), permit.permitId(), tokensUsed, now);
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Integer> inFlight(String key) {
    KeyUsage u = usage.get(key);
    if (u == null) {
      return Future.succeededFuture(0);
    }
    synchronized (u) {
      return Future.succeededFuture(u.inFlight());
    }
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
