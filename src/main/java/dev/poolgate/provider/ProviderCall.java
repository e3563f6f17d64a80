package dev.poolgate.provider;

import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * One call to one instance: the client's OpenAI-shaped request, before the adapter rewrites it.
 *
 * @param body         the client's request body (never mutated by the adapter)
 * @param stream       whether the client asked for a stream
 * @param requestId    for upstream logs and tracing
 * @param abandoned    completes when the client went away: the adapter then resets the upstream
 *                     request, even before its answer arrived
 */
public record ProviderCall(InstanceConfig instance, Endpoint endpoint, JsonObject body, boolean stream,
                           String requestId, Future<Void> abandoned) {

  /** A call nobody abandons. */
  public ProviderCall(InstanceConfig instance, Endpoint endpoint, JsonObject body, boolean stream, String requestId) {
    this(instance, endpoint, body, stream, requestId, Promise.<Void>promise().future());
  }
}
