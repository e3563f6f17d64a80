package dev.poolgate.dispatch;

import dev.poolgate.provider.Endpoint;
import dev.poolgate.provider.Protocol;
import io.vertx.core.json.JsonObject;

/**
 * One client request, validated: where it goes and how urgent it is.
 *
 * @param pool     the pool its model resolved to (fallbacks come from the config)
 * @param body     the OpenAI-shaped request body, without gateway-only fields
 * @param priority 0–10, higher first
 * @param protocol the protocol the body is in and the client wants its answer in
 */
public record Job(String requestId, String model, String pool, Endpoint endpoint, JsonObject body, boolean stream,
                  int priority, Protocol protocol) {

  /** An OpenAI-shaped request. */
  public Job(String requestId, String model, String pool, Endpoint endpoint, JsonObject body, boolean stream,
             int priority) {
    this(requestId, model, pool, endpoint, body, stream, priority, Protocol.OPENAI);
  }
}
