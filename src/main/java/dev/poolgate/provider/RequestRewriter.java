package dev.poolgate.provider;

import dev.poolgate.config.InstanceConfig;
import io.vertx.core.json.JsonObject;

/**
 * Builds the body an OpenAI-compatible instance gets: the instance's {@code params} under the
 * client's fields, its {@code override} over them, its model name, and — for streams — a request
 * for the usage chunk so tokens can be counted as the stream passes.
 */
public final class RequestRewriter {
  private RequestRewriter() {
  }

  public static JsonObject rewrite(JsonObject client, InstanceConfig instance, boolean stream) {
    return rewrite(client, instance, Endpoint.CHAT, stream);
  }

  /**
   * As above; an embeddings request only gets the model, since the instance's params and override
   * are generation settings ({@code temperature}, {@code max_tokens}) an embeddings API rejects.
   */
  public static JsonObject rewrite(JsonObject client, InstanceConfig instance, Endpoint endpoint, boolean stream) {
    if (endpoint == Endpoint.EMBEDDINGS) {
      return client.copy().put("model", instance.model());
    }
    JsonObject out = instance.params().isEmpty() ? new JsonObject() : instance.params().copy();
    client.forEach(e -> out.put(e.getKey(), e.getValue()));
    instance.override().forEach(e -> out.put(e.getKey(), e.getValue()));
    out.put("model", instance.model());
    if (stream) {
      JsonObject opts = out.getValue("stream_options") instanceof JsonObject o ? o.copy() : new JsonObject();
      out.put("stream_options", opts.put("include_usage", true));
    }
    return out;
  }

  /** Whether the client itself asked for the usage chunk (if not, it is taken out of the stream). */
  public static boolean clientWantsUsage(JsonObject client) {
    return client.getValue("stream_options") instanceof JsonObject o && Boolean.TRUE.equals(o.getValue("include_usage"));
  }
}
