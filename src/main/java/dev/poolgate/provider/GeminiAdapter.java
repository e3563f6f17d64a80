package dev.poolgate.provider;

import dev.poolgate.Ids;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.protocol.SseEvent;
import dev.poolgate.protocol.SseFramer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;


/**
 * Google's Gemini API ({@code models/MODEL:generateContent}, {@code :streamGenerateContent?alt=sse},
 * key in {@code x-goog-api-key}): OpenAI chat requests are translated on the way up
 * ({@link GeminiRequestTranslator}) and answers, errors included, on the way back
 * ({@link GeminiResponseTranslator}, {@link GeminiStream}), so clients only ever see OpenAI's API.
 */
public final class GeminiAdapter implements ProviderAdapter {
  static final CharSequence API_KEY = HttpHeaders.createOptimized("x-goog-api-key");

  private final Vertx vertx;
  private final HttpClient client;

  public GeminiAdapter(Vertx vertx, HttpClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  @Override
  public Future<UpstreamReply> call(ProviderCall call) {
    InstanceConfig inst = call.instance();
    if (call.endpoint() != Endpoint.CHAT) {
      // the dispatcher never sends these here (ProviderCatalog.serves); a direct caller gets a clear 400
      return Future.failedFuture(GeminiRequestTranslator.invalid("this model only serves chat completions"));
    }
    Buffer body;
    try {
      // no stream flag: the request asks for include_usage only in OpenAI's protocol
      body = GeminiRequestTranslator.translate(RequestRewriter.rewrite(call.body(), inst, false)).toBuffer();
    } catch (UpstreamException e) {
      return Future.failedFuture(e);
    } catch (ClassCastException e) {
      return Future.failedFuture(GeminiRequestTranslator.invalid("the request does not have the shape of a chat request"));
    }
    String model = inst.model().startsWith("models/") ? inst.model().substring("models/".length()) : inst.model();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(UpstreamHttp.url(inst.baseUrl() + "/models/" + model
            + (call.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent")))
        .putHeader(HttpHeaders.CONTENT_TYPE, UpstreamHttp.APPLICATION_JSON)
        .putHeader(HttpHeaders.ACCEPT, call.stream() ? UpstreamHttp.EVENT_STREAM : UpstreamHttp.APPLICATION_JSON);
    authorize(options, inst);
    return UpstreamHttp.send(vertx, client, options, body, call).compose(ex -> answer(call, ex));
  }

  @Override
  public Future<Void> probe(InstanceConfig inst, long timeoutMs) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(UpstreamHttp.url(inst.baseUrl() + inst.probePath()))
        .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
    authorize(options, inst);
    return UpstreamHttp.probe(client, options);
  }

  private static void authorize(RequestOptions options, InstanceConfig inst) {
    if (inst.apiKey() != null) {
      options.putHeader(API_KEY, inst.apiKey());
    }
    inst.headers().forEach(options::putHeader);
  }

  private Future<UpstreamReply> answer(ProviderCall call, UpstreamHttp.Exchange ex) {
    String id = call.instance().id();
    int status = ex.response().statusCode();
    if (status < 200 || status >= 300) {
      return ex.collect(id).compose(b -> Future.failedFuture(
          UpstreamException.status(id, status, GeminiResponseTranslator.errorBody(status, b))));
    }
    String completionId = "chatcmpl-" + Ids.compact();
    long created = System.currentTimeMillis() / 1000;
    Usage usage = new Usage();
    if (call.stream()) {
      if (!ex.contentTypeIs("text/event-stream")) {
        ex.request().reset();
        return Future.failedFuture(UpstreamException.malformed(id, "a stream answered with content type "
            + ex.contentType()));
      }
      TranslatingStream<SseEvent> stream = new TranslatingStream<>(ex.response(), new SseFramer(),
          new GeminiStreamTranslation(new GeminiResponseTranslator.Stream(completionId, created,
              call.instance().model()), usage, RequestRewriter.clientWantsUsage(call.body()), id), id);
      return Future.succeededFuture(ex.reply("text/event-stream", MultiMap.caseInsensitiveMultiMap(), stream, usage));
    }
    if (!ex.contentTypeIs("application/json")) {
      ex.request().reset();
      return Future.failedFuture(UpstreamException.malformed(id, "content type " + ex.contentType() + " instead of JSON"));
    }
    return ex.collect(id).compose(b -> {
      JsonObject completion;
      try {
        completion = GeminiResponseTranslator.completion(new JsonObject(b), completionId, created,
            call.instance().model());
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(UpstreamException.malformed(id, "the answer is not valid JSON"));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(UpstreamException.malformed(id, e.getMessage()));
      }
      usage.read(completion.getJsonObject("usage"));
      return Future.succeededFuture(ex.whole(MultiMap.caseInsensitiveMultiMap(), completion.toBuffer(), usage));
    });
  }
}
