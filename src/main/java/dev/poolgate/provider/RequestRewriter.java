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
    JsonObject out = merged(client, instance, instance.params());
    if (stream) {
      JsonObject opts = out.getValue("stream_options") instanceof JsonObject o ? o.copy() : new JsonObject();
      out.put("stream_options", opts.put("include_usage", true));
    }
    return out;
  }

  /**
   * The body a Responses API instance gets: params, override and model as above, chat's
   * {@code max_tokens} among the params read as {@code max_output_tokens}, and {@code store}
   * false: the gateway keeps no responses, and neither does the instance on its behalf.
   */
  public static JsonObject responses(JsonObject client, InstanceConfig instance) {
    JsonObject params = instance.params().copy();
    Object maxTokens = params.remove("max_tokens");
    if (maxTokens != null) {
      params.put("max_output_tokens", maxTokens);
    }
    return merged(client, instance, params).put("store", false);
  }

  /** The params under the client's fields, the instance's override over them, its model name. */
  private static JsonObject merged(JsonObject client, InstanceConfig instance, JsonObject params) {
    JsonObject out = params.isEmpty() ? new JsonObject() : params.copy();
    // a shallow copy: the nested values are shared, never changed (stream_options is copied before)
    out.getMap().putAll(client.getMap());
    if (!instance.override().isEmpty()) {
      out.getMap().putAll(instance.override().copy().getMap());
    }
    return out.put("model", instance.model());
  }

  /** Whether the client itself asked for the usage chunk (if not, it is taken out of the stream). */
  public static boolean clientWantsUsage(JsonObject client) {
    return client.getValue("stream_options") instanceof JsonObject o && Boolean.TRUE.equals(o.getValue("include_usage"));
  }
}
