package dev.poolgate.dispatch;

/**
 * Who served a request, told to the client in response headers.
 *
 * @param attempts  upstream calls made, this one included
 * @param fallback  whether the pool is a fallback of the one asked for
 */
public record Served(String requestId, String pool, String instanceId, int attempts, boolean fallback) {
}
