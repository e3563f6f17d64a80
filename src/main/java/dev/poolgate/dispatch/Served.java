package dev.poolgate.dispatch;

/**
 * Who served a request, told to the client in response headers.
 *
 * @param attempts  upstream calls made, this one included
 * @param fallback  whether the pool is a fallback of the one asked for
 * @param lender    the pool that lent the instance (its slot was borrowed), or null
 */
public record Served(String requestId, String pool, String instanceId, int attempts, boolean fallback,
                     String lender) {

  /** Served by an instance of the pool itself. */
  public Served(String requestId, String pool, String instanceId, int attempts, boolean fallback) {
    this(requestId, pool, instanceId, attempts, fallback, null);
  }

  public boolean borrowed() {
    return lender != null;
  }
}
