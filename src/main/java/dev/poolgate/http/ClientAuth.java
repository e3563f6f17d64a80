package dev.poolgate.http;

import dev.poolgate.GatewayException;
import dev.poolgate.config.ClientKeyConfig;
import dev.poolgate.keys.KeyRing;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * Checks the client key of a request route before its body is read, so a caller without a valid
 * key costs neither a body buffer nor a parse. The key may come as {@code Authorization: Bearer}
 * (OpenAI clients), {@code x-api-key} (Anthropic clients) or, on Azure deployment routes,
 * {@code api-key} (Azure SDKs). The resolved key is left in the context ({@link #key}); with no
 * keys configured every request passes, with none.
 *
 * <p>A platform handler so that it may run before the body handler; it answers synchronously, so
 * the request needs no pausing.
 */
final class ClientAuth implements PlatformHandler {
  static final String X_API_KEY = "x-api-key";
  static final String AZURE_API_KEY = "api-key";
  private static final String CONTEXT_KEY = "poolgate.clientKey";
  private static final String BEARER = "bearer ";

  private final Supplier<KeyRing> ring;
  private final boolean azure;

  /**
   * @param ring  the current keys (rebuilt on every config change)
   * @param azure whether Azure's {@code api-key} header is accepted too
   */
  ClientAuth(Supplier<KeyRing> ring, boolean azure) {
    this.ring = ring;
    this.azure = azure;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ClientKeyConfig key;
    try {
      key = ring.get().authenticate(presented(ctx.request()), Instant.now());
    } catch (GatewayException e) {
      ctx.fail(e);
      return;
    }
    if (key != null) {
      ctx.put(CONTEXT_KEY, key);
    }
    ctx.next();
  }

  /** The key this request authenticated with; null when the gateway runs open. */
  static ClientKeyConfig key(RoutingContext ctx) {
    return ctx.get(CONTEXT_KEY);
  }

  private String presented(HttpServerRequest request) {
    String auth = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return auth.substring(BEARER.length()).trim();
    }
    String key = request.getHeader(X_API_KEY);
    if (key == null && azure) {
      key = request.getHeader(AZURE_API_KEY);
    }
    return key;
  }
}
