package dev.poolgate.dispatch;

import dev.poolgate.provider.Endpoint;
import io.vertx.core.json.JsonObject;

/**
 * One client request, validated: where it goes and how urgent it is.
 *
 * @param pool     the pool its model resolved to (fallbacks come from the config)
 * @param body     the OpenAI-shaped request body, without gateway-only fields
 * @param priority 0–10, higher first
 */
public record Job(String requestId, String model, String pool, Endpoint endpoint, JsonObject body, boolean stream,
                  int priority) {
}
