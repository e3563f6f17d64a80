package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.config.AdminConfig;
import dev.poolgate.config.ClientKeyConfig;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * Guards every {@code /admin} route with the admin token, given as {@code Authorization: Bearer}
 * or {@code x-admin-token}. With no token configured the admin API does not exist (404). Tokens
 * are compared as SHA-256 digests with {@link MessageDigest#isEqual}, in constant time, so neither
 * the length nor a prefix of the token leaks through response timing.
 */
public final class AdminAuth implements Handler<RoutingContext> {
  public static final String X_ADMIN_TOKEN = "x-admin-token";
  private static final String BEARER = "bearer ";

  private final Supplier<AdminConfig> admin;

  private AdminAuth(Supplier<AdminConfig> admin) {
    this.admin = admin;
  }

  /** @param admin the current admin section (it may change with a reload) */
  public static AdminAuth create(Supplier<AdminConfig> admin) {
    return new AdminAuth(admin);
  }

  @Override
  public void handle(RoutingContext ctx) {
    AdminConfig cfg = admin.get();
    if (!cfg.enabled()) {
      ctx.fail(ErrorKind.NOT_FOUND.exception("the admin API is off: set admin.token to turn it on"));
      return;
    }
    String presented = presented(ctx);
    if (presented == null) {
      ctx.fail(ErrorKind.UNAUTHORIZED.exception("the admin API needs the admin token "
          + "(Authorization: Bearer TOKEN or x-admin-token)"));
      return;
    }
    if (!matches(cfg.token(), presented)) {
      ctx.fail(ErrorKind.UNAUTHORIZED.exception("wrong admin token"));
      return;
    }
    ctx.next();
  }

  private static String presented(RoutingContext ctx) {
    String header = ctx.request().getHeader(X_ADMIN_TOKEN);
    if (header != null && !header.isBlank()) {
      return header.trim();
    }
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String token = auth.substring(BEARER.length()).trim();
      return token.isEmpty() ? null : token;
    }
    return null;
  }

  /** Constant-time: both sides hashed to 32 bytes, then compared without an early exit. */
  static boolean matches(String expected, String presented) {
    byte[] a = ClientKeyConfig.sha256(expected).getBytes(StandardCharsets.US_ASCII);
    byte[] b = ClientKeyConfig.sha256(presented).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(a, b);
  }
}
