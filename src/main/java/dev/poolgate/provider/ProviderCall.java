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
 * @param aborted      completes when the request's owner gives up on this call (the client went
 *                     away, the request was aborted): the upstream request is reset at once, even
 *                     before its answer arrived
 * @param protocol     what the body is, and what the reply's bytes must be
 */
public record ProviderCall(InstanceConfig instance, Endpoint endpoint, JsonObject body, boolean stream,
                           String requestId, Future<Void> aborted, Protocol protocol) {

  /** An OpenAI-shaped call. */
  public ProviderCall(InstanceConfig instance, Endpoint endpoint, JsonObject body, boolean stream,
                      String requestId, Future<Void> aborted) {
    this(instance, endpoint, body, stream, requestId, aborted, Protocol.OPENAI);
  }

  /** A call nobody abandons. */
  public ProviderCall(InstanceConfig instance, Endpoint endpoint, JsonObject body, boolean stream, String requestId) {
    this(instance, endpoint, body, stream, requestId, Promise.<Void>promise().future());
  }

  /** The same call with another body in another protocol (a bridge's translated request). */
  public ProviderCall as(Protocol other, JsonObject translated) {
    return new ProviderCall(instance, endpoint, translated, stream, requestId, aborted, other);
  }
}
