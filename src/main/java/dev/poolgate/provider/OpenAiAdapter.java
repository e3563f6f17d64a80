package dev.poolgate.provider;

import dev.poolgate.config.InstanceConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Any OpenAI-compatible API (OpenAI, vLLM, Ollama, DeepSeek, ...). Streams pass through event by
 * event ({@link SseRelay}); non-stream answers are read whole (bounded), checked and passed on,
 * so a malformed answer is an upstream failure and can be retried.
 */
public final class OpenAiAdapter implements ProviderAdapter {
  /** Largest non-stream answer accepted. */
  public static final long MAX_ANSWER_BYTES = 32L * 1024 * 1024;
  private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final List<String> PASSED_HEADERS = List.of("x-ratelimit-limit-requests",
      "x-ratelimit-remaining-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens",
      "openai-processing-ms");

  private final Vertx vertx;
  private final HttpClient client;

  public OpenAiAdapter(Vertx vertx, HttpClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  @Override
  public Future<UpstreamReply> call(ProviderCall call) {
    InstanceConfig inst = call.instance();
    Buffer body = RequestRewriter.rewrite(call.body(), inst, call.stream()).toBuffer();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(inst.baseUrl() + call.endpoint().path())
        .setConnectTimeout(inst.connectTimeoutMs())
        .setIdleTimeout(inst.timeoutMs())
        .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
        .putHeader(HttpHeaders.ACCEPT, call.stream() ? EVENT_STREAM : APPLICATION_JSON)
        .putHeader("x-request-id", call.requestId());
    authorize(options, inst);
    return client.request(options)
        .recover(e -> Future.failedFuture(classify(inst, e)))
        .compose(req -> {
          // the client went away before the answer was handed over: stop the upstream now
          call.abandoned().onComplete(v -> req.reset());
          return req.send(body)
              .recover(e -> Future.failedFuture(classify(inst, e)))
              .compose(resp -> answer(call, req, resp));
        });
  }

  @Override
  public Future<Void> probe(InstanceConfig inst, long timeoutMs) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(inst.baseUrl() + inst.probePath())
        .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
    authorize(options, inst);
    return client.request(options)
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().compose(b -> {
          int s = resp.statusCode();
          // a 404 still proves the server is up; bad credentials, throttling and 5xx do not
          boolean up = s < 500 && s != 401 && s != 403 && s != 429;
          return up ? Future.<Void>succeededFuture() : Future.failedFuture("probe answered " + s);
        }));
  }

  private static void authorize(RequestOptions options, InstanceConfig inst) {
    if (inst.apiKey() != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + inst.apiKey());
    }
    inst.headers().forEach(options::putHeader);
  }

  private Future<UpstreamReply> answer(ProviderCall call, HttpClientRequest req, HttpClientResponse resp) {
    resp.pause();
    String id = call.instance().id();
    int status = resp.statusCode();
    if (status < 200 || status >= 300) {
      return collect(resp, req, MAX_ANSWER_BYTES, id)
          .compose(b -> Future.failedFuture(UpstreamException.status(id, status, b)));
    }
    String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    Usage usage = new Usage();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    PASSED_HEADERS.forEach(h -> {
      String v = resp.getHeader(h);
      if (v != null) {
        headers.set(h, v);
      }
    });
    if (call.stream()) {
      if (contentType == null || !contentType.startsWith("text/event-stream")) {
        req.reset();
        return Future.failedFuture(UpstreamException.malformed(id, "a stream answered with content type " + contentType));
      }
      SseRelay relay = new SseRelay(resp, usage, RequestRewriter.clientWantsUsage(call.body()), id);
      return Future.succeededFuture(reply("text/event-stream", headers, relay, usage, req));
    }
    if (contentType == null || !contentType.startsWith("application/json")) {
      req.reset();
      return Future.failedFuture(UpstreamException.malformed(id, "content type " + contentType + " instead of JSON"));
    }
    return collect(resp, req, MAX_ANSWER_BYTES, id).compose(b -> {
      try {
        JsonObject answer = new JsonObject(b);
        if (!(answer.getValue("choices") instanceof io.vertx.core.json.JsonArray)) {
          return Future.failedFuture(UpstreamException.malformed(id, "no choices in the answer"));
        }
        usage.read(answer.getJsonObject("usage"));
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(UpstreamException.malformed(id, "the answer is not valid JSON"));
      }
      ChunkStream replay = new ChunkStream(vertx.getOrCreateContext(), List.of(b), 0, 0);
      return Future.succeededFuture(reply("application/json", headers, replay, usage, req));
    });
  }

  private static UpstreamReply reply(String contentType, MultiMap headers, ReadStream<Buffer> body, Usage usage,
                                     HttpClientRequest req) {
    return new UpstreamReply() {
      @Override public String contentType() { return contentType; }
      @Override public MultiMap headers() { return headers; }
      @Override public ReadStream<Buffer> body() { return body; }
      @Override public Usage usage() { return usage; }
      @Override public void cancel() { req.reset(); }
    };
  }

  /** Reads a whole (bounded) body; a body over the limit resets the request. */
  private static Future<Buffer> collect(HttpClientResponse resp, HttpClientRequest req, long limit, String id) {
    Promise<Buffer> promise = Promise.promise();
    Buffer acc = Buffer.buffer();
    resp.handler(chunk -> {
      if (acc.length() + chunk.length() > limit) {
        req.reset();
        promise.tryFail(UpstreamException.malformed(id, "the answer exceeded " + limit + " bytes"));
      } else {
        acc.appendBuffer(chunk);
      }
    });
    resp.exceptionHandler(e -> promise.tryFail(classify(id, e)));
    resp.endHandler(v -> promise.tryComplete(acc));
    resp.resume();
    return promise.future();
  }

  private static UpstreamException classify(InstanceConfig inst, Throwable e) {
    return classify(inst.id(), e);
  }

  static UpstreamException classify(String id, Throwable e) {
    if (e instanceof UpstreamException u) {
      return u;
    }
    String msg = String.valueOf(e.getMessage()).toLowerCase();
    if (e instanceof TimeoutException || msg.contains("timeout") || msg.contains("timed out")) {
      return UpstreamException.timeout(id);
    }
    return UpstreamException.connect(id, e);
  }
}
