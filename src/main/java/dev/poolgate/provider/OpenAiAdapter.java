package dev.poolgate.provider;

import dev.poolgate.config.InstanceConfig;
import dev.poolgate.protocol.ResponsesStreamPassThrough;
import dev.poolgate.protocol.SseFramer;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

import java.util.List;
import java.util.Set;

/**
 * The OpenAI protocol: any OpenAI-compatible API (OpenAI, vLLM, Ollama, DeepSeek, ...) and, with
 * its own {@link Dialect}, Azure OpenAI. Streams pass through event by event ({@link SseRelay});
 * non-stream answers are read whole (bounded), checked and passed on, so a malformed answer is an
 * upstream failure and can be retried.
 */
public final class OpenAiAdapter implements ProviderAdapter {
  /** Largest non-stream answer accepted. */
  public static final long MAX_ANSWER_BYTES = UpstreamHttp.MAX_ANSWER_BYTES;
  private static final List<String> PASSED_HEADERS = List.of("x-ratelimit-limit-requests",
      "x-ratelimit-remaining-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens",
      "openai-processing-ms");

  /**
   * What differs between services that speak the OpenAI protocol: where an operation lives, how
   * the caller authenticates and what the body carries.
   */
  interface Dialect {
    String uri(InstanceConfig instance, Endpoint endpoint);

    /** Where the instance's Responses API lives. */
    String responsesUri(InstanceConfig instance);

    String probeUri(InstanceConfig instance);

    /** Puts the auth header and the instance's extra headers. */
    void authorize(RequestOptions options, InstanceConfig instance);

    JsonObject body(ProviderCall call);
  }

  /** OpenAI itself and every compatible server: base URL + path, Bearer key, the instance's model. */
  static final Dialect STANDARD = new Dialect() {
    @Override
    public String uri(InstanceConfig instance, Endpoint endpoint) {
      return instance.baseUrl() + endpoint.path();
    }

    @Override
    public String responsesUri(InstanceConfig instance) {
      return instance.baseUrl() + RESPONSES_PATH;
    }

    @Override
    public String probeUri(InstanceConfig instance) {
      return instance.baseUrl() + instance.probePath();
    }

    @Override
    public void authorize(RequestOptions options, InstanceConfig instance) {
      if (instance.apiKey() != null) {
        options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + instance.apiKey());
      }
      instance.headers().forEach(options::putHeader);
    }

    @Override
    public JsonObject body(ProviderCall call) {
      return call.protocol() == Protocol.RESPONSES ? RequestRewriter.responses(call.body(), call.instance())
          : RequestRewriter.rewrite(call.body(), call.instance(), call.endpoint(), call.stream());
    }
  };

  /** The Responses API's path under an OpenAI-compatible base URL. */
  static final String RESPONSES_PATH = "/responses";
  /** The providers whose own API serves {@code POST /responses}. */
  static final Set<String> RESPONSES_PROVIDERS = Set.of("openai", "azure");

  private final Vertx vertx;
  private final HttpClient client;
  private final Dialect dialect;

  public OpenAiAdapter(Vertx vertx, HttpClient client) {
    this(vertx, client, STANDARD);
  }

  OpenAiAdapter(Vertx vertx, HttpClient client, Dialect dialect) {
    this.vertx = vertx;
    this.client = client;
    this.dialect = dialect;
  }

  /**
   * Chat, completions and embeddings; the Responses API passed through as it is to OpenAI and
   * Azure, whose APIs have it. The compatible servers (vLLM, Ollama, DeepSeek, ...) get it
   * bridged through chat.
   */
  @Override
  public boolean speaks(Protocol protocol, InstanceConfig instance) {
    return protocol == Protocol.OPENAI
        || (protocol == Protocol.RESPONSES && RESPONSES_PROVIDERS.contains(instance.provider()));
  }

  @Override
  public Future<UpstreamReply> call(ProviderCall call) {
    InstanceConfig inst = call.instance();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(UpstreamHttp.url(call.protocol() == Protocol.RESPONSES ? dialect.responsesUri(inst)
            : dialect.uri(inst, call.endpoint())))
        .putHeader(HttpHeaders.CONTENT_TYPE, UpstreamHttp.APPLICATION_JSON)
        .putHeader(HttpHeaders.ACCEPT, call.stream() ? UpstreamHttp.EVENT_STREAM : UpstreamHttp.APPLICATION_JSON)
        .putHeader("x-request-id", call.requestId());
    dialect.authorize(options, inst);
    return UpstreamHttp.send(vertx, client, options, dialect.body(call).toBuffer(), call)
        .compose(ex -> answer(call, ex));
  }

  @Override
  public Future<Void> probe(InstanceConfig inst, long timeoutMs) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(UpstreamHttp.url(dialect.probeUri(inst)))
        .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
    dialect.authorize(options, inst);
    return UpstreamHttp.probe(client, options);
  }

  private Future<UpstreamReply> answer(ProviderCall call, UpstreamHttp.Exchange ex) {
    String id = call.instance().id();
    int status = ex.response().statusCode();
    if (status < 200 || status >= 300) {
      return ex.collect(id).compose(b -> Future.failedFuture(UpstreamException.status(id, status, b)));
    }
    Usage usage = new Usage();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    PASSED_HEADERS.forEach(h -> {
      String v = ex.response().getHeader(h);
      if (v != null) {
        headers.set(h, v);
      }
    });
    if (call.stream()) {
      if (!ex.contentTypeIs("text/event-stream")) {
        ex.request().reset();
        return Future.failedFuture(UpstreamException.malformed(id, "a stream answered with content type "
            + ex.contentType()));
      }
      ReadStream<Buffer> events = call.protocol() == Protocol.RESPONSES
          ? new TranslatingStream<>(ex.response(), new SseFramer(), new ResponsesStreamPassThrough(usage::set), id)
          : new SseRelay(ex.response(), usage, RequestRewriter.clientWantsUsage(call.body()), id);
      return Future.succeededFuture(ex.reply("text/event-stream", headers, events, usage));
    }
    if (!ex.contentTypeIs("application/json")) {
      ex.request().reset();
      return Future.failedFuture(UpstreamException.malformed(id, "content type " + ex.contentType() + " instead of JSON"));
    }
    // a completion carries choices, an embeddings answer data, a response its output
    String required = call.protocol() == Protocol.RESPONSES ? "output"
        : call.endpoint() == Endpoint.EMBEDDINGS ? "data" : "choices";
    AnswerCheck.UsageNames names = call.protocol() == Protocol.RESPONSES ? AnswerCheck.UsageNames.RESPONSES
        : AnswerCheck.UsageNames.CHAT;
    return ex.collect(id).compose(b -> {
      // the collected body is a heap buffer: read in place, not copied
      ByteBuf bytes = ((BufferInternal) b).getByteBuf();
      byte[] array = bytes.hasArray() ? bytes.array() : b.getBytes();
      int offset = bytes.hasArray() ? bytes.arrayOffset() + bytes.readerIndex() : 0;
      try {
        AnswerCheck.check(array, offset, b.length(), required, names, usage::set);
      } catch (AnswerCheck.Malformed e) {
        return Future.failedFuture(UpstreamException.malformed(id, e.getMessage()));
      }
      return Future.succeededFuture(ex.whole(headers, b, usage));
    });
  }
}
