package dev.poolgate.provider;

import dev.poolgate.ErrorKind;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.protocol.ChatToMessages;
import dev.poolgate.protocol.ErrorBodies;
import dev.poolgate.protocol.Json;
import dev.poolgate.protocol.MessagesStreamPassThrough;
import dev.poolgate.protocol.MessagesStreamToChunks;
import dev.poolgate.protocol.ProtocolException;
import dev.poolgate.protocol.SseFramer;
import dev.poolgate.scheduling.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * The Anthropic Messages API ({@code POST /v1/messages}, {@code x-api-key} + {@code anthropic-version}).
 * OpenAI calls are translated there and back ({@link ChatToMessages}, streams event by event with
 * {@link MessagesStreamToChunks}); Anthropic calls go through natively, only the model, the
 * instance's params / override and a default {@code max_tokens} applied.
 */
public final class AnthropicAdapter implements ProviderAdapter {
  public static final String DEFAULT_VERSION = "2023-06-01";
  public static final int DEFAULT_MAX_TOKENS = 4096;
  /** Anthropic's own status for "overloaded": as retryable as a 503. */
  public static final int OVERLOADED = 529;
  private static final CharSequence X_API_KEY = HttpHeaders.createOptimized("x-api-key");
  private static final CharSequence ANTHROPIC_VERSION = HttpHeaders.createOptimized("anthropic-version");

  private final Vertx vertx;
  private final HttpClient client;

  public AnthropicAdapter(Vertx vertx, HttpClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  /** OpenAI chat is translated here; Responses API calls come bridged through chat. */
  @Override
  public boolean speaks(Protocol protocol) {
    return protocol != Protocol.RESPONSES;
  }

  @Override
  public Future<UpstreamReply> call(ProviderCall call) {
    InstanceConfig inst = call.instance();
    Buffer body = body(call).toBuffer();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(UpstreamHttp.url(inst.baseUrl() + "/v1" + (call.endpoint() == Endpoint.COUNT_TOKENS
            ? Endpoint.COUNT_TOKENS.path() : "/messages")))
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.ACCEPT, call.stream() ? "text/event-stream" : "application/json")
        .putHeader("x-request-id", call.requestId());
    authorize(options, inst);
    return UpstreamHttp.send(vertx, client, options, body, call)
        .compose(ex -> answer(call, ex.request(), ex.response()));
  }

  /** The upstream body: translated or native, then the instance's params under and override over it. */
  static JsonObject body(ProviderCall call) {
    InstanceConfig inst = call.instance();
    if (call.endpoint() == Endpoint.COUNT_TOKENS) {
      // counting takes no generation settings: the instance's params, an override or max_tokens are refused there
      return call.body().copy().put("model", inst.model());
    }
    int defaultMax = inst.settings().getInteger("default_max_tokens", DEFAULT_MAX_TOKENS);
    JsonObject client = call.protocol() == Protocol.OPENAI
        ? ChatToMessages.request(call.body(), defaultMax)
        : call.body();
    JsonObject out = inst.params().isEmpty() ? new JsonObject() : inst.params().copy();
    client.forEach(e -> out.put(e.getKey(), e.getValue()));
    inst.override().forEach(e -> out.put(e.getKey(), e.getValue()));
    out.put("model", inst.model());
    if (!(out.getValue("max_tokens") instanceof Number)) {
      out.put("max_tokens", defaultMax);
    }
    return out;
  }

  @Override
  public Future<Void> probe(InstanceConfig inst, long timeoutMs) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(UpstreamHttp.url(inst.baseUrl() + "/v1" + inst.probePath()))
        .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
    authorize(options, inst);
    return client.request(options)
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().compose(b -> {
          int s = resp.statusCode();
          boolean up = s < 500 && s != 401 && s != 403 && s != 429;
          return up ? Future.<Void>succeededFuture() : Future.failedFuture("probe answered " + s);
        }));
  }

  private static void authorize(RequestOptions options, InstanceConfig inst) {
    if (inst.apiKey() != null) {
      options.putHeader(X_API_KEY, inst.apiKey());
    }
    options.putHeader(ANTHROPIC_VERSION, inst.settings().getString("anthropic_version", DEFAULT_VERSION));
    inst.headers().forEach(options::putHeader);
  }

  private Future<UpstreamReply> answer(ProviderCall call, HttpClientRequest req, HttpClientResponse resp) {
    resp.pause();
    String id = call.instance().id();
    int status = resp.statusCode();
    if (status < 200 || status >= 300) {
      return UpstreamHttp.collect(resp, req, id)
          .compose(b -> Future.failedFuture(failure(id, status, b, call.protocol())));
    }
    Usage usage = new Usage();
    if (call.stream()) {
      if (!UpstreamHttp.hasType(resp, "text/event-stream")) {
        req.reset();
        return Future.failedFuture(UpstreamException.malformed(id,
            "a stream answered with content type " + resp.getHeader(HttpHeaders.CONTENT_TYPE)));
      }
      TranslatingStream<?> body = call.protocol() == Protocol.OPENAI
          ? new TranslatingStream<>(resp, new SseFramer(), new MessagesStreamToChunks(
              RequestRewriter.clientWantsUsage(call.body()), usage::set, System.currentTimeMillis() / 1000), id)
          : new TranslatingStream<>(resp, new SseFramer(), new MessagesStreamPassThrough(usage::set), id);
      return Future.succeededFuture(UpstreamHttp.reply("text/event-stream", body, usage, req::reset));
    }
    if (!UpstreamHttp.hasType(resp, "application/json")) {
      req.reset();
      return Future.failedFuture(UpstreamException.malformed(id,
          "content type " + resp.getHeader(HttpHeaders.CONTENT_TYPE) + " instead of JSON"));
    }
    return UpstreamHttp.collect(resp, req, id).compose(b -> {
      try {
        JsonObject message = Json.answer(b);
        if (call.endpoint() == Endpoint.COUNT_TOKENS) {
          if (!(message.getValue("input_tokens") instanceof Number)) {
            throw new ProtocolException("no input_tokens in the count");
          }
          // a count uses no tokens: the usage stays empty
          return Future.succeededFuture(UpstreamHttp.whole(b, usage, req));
        }
        JsonObject openAi = ChatToMessages.answer(message, System.currentTimeMillis() / 1000);
        usage.read(openAi.getJsonObject("usage"));
        Buffer out = call.protocol() == Protocol.OPENAI ? openAi.toBuffer() : b;
        return Future.succeededFuture(UpstreamHttp.whole(out, usage, req));
      } catch (ProtocolException e) {
        return Future.failedFuture(UpstreamException.malformed(id, e.getMessage()));
      }
    });
  }

  /** An Anthropic error status: 429, 529 and 5xx are retried elsewhere; the body goes back in the client's shape. */
  static UpstreamException failure(String id, int status, Buffer body, Protocol client) {
    Buffer shaped = client == Protocol.OPENAI ? ErrorBodies.toOpenAi(body, status) : ErrorBodies.toAnthropic(body, status);
    if (status == OVERLOADED) {
      return new UpstreamException(ErrorKind.UPSTREAM_OVERLOADED, true, Outcome.FAILURE,
          "instance " + id + " is overloaded (529)", status, shaped);
    }
    return UpstreamException.status(id, status, shaped);
  }
}
