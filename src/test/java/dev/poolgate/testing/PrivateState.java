package dev.poolgate.testing;

import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * Keeps a test's gateways off the checkout: a config that names no usage database would open the
 * default one, {@code ./data/poolgate-usage}, and mix the test's rows into a developer's
 * {@code make run} node. {@link CheckoutUntouched} fails any test class that still does.
 */
public final class PrivateState {
  private PrivateState() {
  }

  /** A usage section whose database lives in memory and belongs to this call alone. */
  public static JsonObject usage() {
    return new JsonObject().put("jdbc_url", "jdbc:h2:mem:usage-" + UUID.randomUUID());
  }

  /** The document itself, given a private usage database when it names none. */
  public static JsonObject of(JsonObject config) {
    if (!config.containsKey("usage")) {
      config.put("usage", usage());
    }
    return config;
  }
}
