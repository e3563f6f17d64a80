package dev.poolgate.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAPI document ({@code openapi.json}) and the page that renders it ({@code docs.html}),
 * both self-contained classpath resources: the page needs no CDN, so it works offline and behind
 * a firewall.
 */
public record ApiDocs(Buffer openApi, Buffer page) {
  public static final String OPENAPI_RESOURCE = "openapi.json";
  public static final String PAGE_RESOURCE = "docs.html";

  /** Reads both resources off the event loop. */
  public static Future<ApiDocs> load(Vertx vertx) {
    return vertx.executeBlocking(() -> new ApiDocs(resource(OPENAPI_RESOURCE), resource(PAGE_RESOURCE)));
  }

  static Buffer resource(String name) {
    try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the classpath");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
