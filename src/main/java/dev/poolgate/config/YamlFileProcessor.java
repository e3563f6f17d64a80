package dev.poolgate.config;

import io.vertx.config.spi.ConfigProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/**
 * The config retriever's format for poolgate's YAML files ({@value #FORMAT}): {@link YamlDocument}
 * instead of vertx-config-yaml, so dates stay text and syntax errors name the file. The store's
 * {@code path} is the source named in errors. Registered in
 * {@code META-INF/services/io.vertx.config.spi.ConfigProcessor}.
 */
public final class YamlFileProcessor implements ConfigProcessor {
  public static final String FORMAT = "poolgate-yaml";

  @Override
  public String name() {
    return FORMAT;
  }

  @Override
  public Future<JsonObject> process(Vertx vertx, JsonObject configuration, Buffer input) {
    String source = configuration == null ? "config" : configuration.getString("path", "config");
    return vertx.executeBlocking(() -> YamlDocument.parse(input.toString(StandardCharsets.UTF_8), source));
  }
}
