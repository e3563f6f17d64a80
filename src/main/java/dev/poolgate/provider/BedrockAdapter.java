package dev.poolgate.provider;

import dev.poolgate.Ids;
import dev.poolgate.ErrorKind;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.protocol.ChatToConverse;
import dev.poolgate.protocol.ChatToMessages;
import dev.poolgate.protocol.ConverseStreamToChunks;
import dev.poolgate.protocol.ErrorBodies;
import dev.poolgate.protocol.EventStreamDecoder;
import dev.poolgate.protocol.InvokeStreamToMessages;
import dev.poolgate.protocol.Json;
import dev.poolgate.protocol.ProtocolException;
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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Models on Amazon Bedrock, requests signed with SigV4. OpenAI calls use the Converse API
 * ({@code /model/{id}/converse}, {@code /converse-stream}), translated there and back, streams
 * decoded from the binary event-stream framing as they arrive. Anthropic calls (Claude models) go
 * natively through InvokeModel ({@code /invoke}, {@code /invoke-with-response-stream}) with the
 * Anthropic body Bedrock expects.
 */
public final class BedrockAdapter implements ProviderAdapter {
  /** The {@code anthropic_version} Bedrock wants in an Anthropic body. */
  public static final String BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";
  private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  private final Vertx vertx;
  private final HttpClient client;

  public BedrockAdapter(Vertx vertx, HttpClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  /** OpenAI chat and Anthropic Messages; Responses API calls come bridged through chat. */
  @Override
  public boolean speaks(Protocol protocol) {
    return protocol != Protocol.RESPONSES;
  }

  @Override
  public Future<UpstreamReply> call(ProviderCall call) {
    InstanceConfig inst = call.instance();
    JsonObject json;
    try {
      json = body(call);
    } catch (IllegalArgumentException e) {
      Buffer error = call.protocol() == Protocol.OPENAI
          ? ErrorBodies.openAi("invalid_request_error", e.getMessage(), "invalid_request").toBuffer()
          : ErrorBodies.anthropic("invalid_request_error", e.getMessage()).toBuffer();
      return Future.failedFuture(new UpstreamException(ErrorKind.BAD_REQUEST, false, Outcome.NEUTRAL,
          e.getMessage(), 400, error));
    }
    byte[] body = json.toBuffer().getBytes();
    String url = baseUrl(inst) + "/model/" + URLEncoder.encode(inst.model(), StandardCharsets.UTF_8).replace("+", "%20")
        + "/" + operation(call);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    headers.put("accept", call.stream() ? EVENT_STREAM : "application/json");
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(UpstreamHttp.url(url))
        .putHeader("x-request-id", call.requestId());
    headers.forEach(options::putHeader);
    inst.headers().forEach(options::putHeader);
    try {
      signer(inst).sign("POST", url, headers, body).forEach(options::putHeader);
    } catch (RuntimeException e) {
      // credentials that vanished from the environment since start-up: the instance cannot serve
      return Future.failedFuture(new UpstreamException(ErrorKind.UPSTREAM_ERROR, true, Outcome.FAILURE,
          "instance " + inst.id() + " could not sign its request: " + e.getMessage()));
    }
    return UpstreamHttp.send(vertx, client, options, Buffer.buffer(body), call)
        .compose(ex -> answer(call, ex.request(), ex.response()));
  }

  private static String operation(ProviderCall call) {
    if (call.protocol() == Protocol.ANTHROPIC) {
      return call.stream() ? "invoke-with-response-stream" : "invoke";
    }
    return call.stream() ? "converse-stream" : "converse";
  }

  /** Converse from OpenAI, or the Anthropic body as Bedrock takes it (no model, no stream flag, its version). */
  static JsonObject body(ProviderCall call) {
    InstanceConfig inst = call.instance();
    JsonObject client;
    if (call.protocol() == Protocol.OPENAI) {
      client = ChatToConverse.request(call.body());
    } else {
      client = call.body().copy();
      client.remove("model");
      client.remove("stream");
      if (!(client.getValue("max_tokens") instanceof Number)) {
        client.put("max_tokens", AnthropicAdapter.DEFAULT_MAX_TOKENS);
      }
      client.put("anthropic_version", BEDROCK_ANTHROPIC_VERSION);
    }
    JsonObject out = inst.params().isEmpty() ? new JsonObject() : inst.params().copy();
    client.forEach(e -> out.put(e.getKey(), e.getValue()));
    inst.override().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  static String region(InstanceConfig inst) {
    String region = inst.settings().getString("region");
    if (region == null) {
      region = System.getenv("AWS_REGION");
    }
    return region != null ? region : System.getenv("AWS_DEFAULT_REGION");
  }

  /** The preset base URL names the region as {@code {region}}. */
  static String baseUrl(InstanceConfig inst) {
    return inst.baseUrl().replace("{region}", String.valueOf(region(inst)));
  }

  /** Keys from the instance's settings, else the standard AWS environment variables. */
  static AwsSigner signer(InstanceConfig inst) {
    JsonObject s = inst.settings();
    boolean own = s.getValue("access_key_id") != null;
    return new AwsSigner(
        own ? s.getString("access_key_id") : System.getenv("AWS_ACCESS_KEY_ID"),
        own ? s.getString("secret_access_key") : System.getenv("AWS_SECRET_ACCESS_KEY"),
        own ? s.getString("session_token") : System.getenv("AWS_SESSION_TOKEN"),
        region(inst), "bedrock");
  }

  /** Bedrock has no unauthenticated health route: the probe proves the endpoint answers at all. */
  @Override
  public Future<Void> probe(InstanceConfig inst, long timeoutMs) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(UpstreamHttp.url(baseUrl(inst) + inst.probePath()))
        .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
    return client.request(options)
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().compose(b -> resp.statusCode() < 500 && resp.statusCode() != 429
            ? Future.<Void>succeededFuture()
            : Future.failedFuture("probe answered " + resp.statusCode())));
  }

  private Future<UpstreamReply> answer(ProviderCall call, HttpClientRequest req, HttpClientResponse resp) {
    resp.pause();
    String id = call.instance().id();
    int status = resp.statusCode();
    if (status < 200 || status >= 300) {
      return UpstreamHttp.collect(resp, req, id).compose(b -> Future.failedFuture(UpstreamException.status(id, status,
          call.protocol() == Protocol.OPENAI ? ErrorBodies.toOpenAi(b, status) : ErrorBodies.toAnthropic(b, status))));
    }
    Usage usage = new Usage();
    long created = System.currentTimeMillis() / 1000;
    if (call.stream()) {
      if (!UpstreamHttp.hasType(resp, EVENT_STREAM)) {
        req.reset();
        return Future.failedFuture(UpstreamException.malformed(id,
            "a stream answered with content type " + resp.getHeader(HttpHeaders.CONTENT_TYPE)));
      }
      TranslatingStream<?> body = call.protocol() == Protocol.OPENAI
          ? new TranslatingStream<>(resp, new EventStreamDecoder(), new ConverseStreamToChunks(chatId(),
              call.instance().model(), created, RequestRewriter.clientWantsUsage(call.body()), usage::set), id)
          : new TranslatingStream<>(resp, new EventStreamDecoder(), new InvokeStreamToMessages(usage::set), id);
      return Future.succeededFuture(UpstreamHttp.reply("text/event-stream", body, usage, req::reset));
    }
    if (!UpstreamHttp.hasType(resp, "application/json")) {
      req.reset();
      return Future.failedFuture(UpstreamException.malformed(id,
          "content type " + resp.getHeader(HttpHeaders.CONTENT_TYPE) + " instead of JSON"));
    }
    return UpstreamHttp.collect(resp, req, id).compose(b -> {
      try {
        JsonObject answer = Json.answer(b);
        Buffer out;
        if (call.protocol() == Protocol.OPENAI) {
          JsonObject completion = ChatToConverse.answer(answer, chatId(), call.instance().model(), created);
          usage.read(completion.getJsonObject("usage"));
          out = completion.toBuffer();
        } else {
          usage.read(ChatToMessages.answer(answer, created).getJsonObject("usage"));
          out = b;
        }
        return Future.succeededFuture(UpstreamHttp.whole(out, usage, req));
      } catch (ProtocolException e) {
        return Future.failedFuture(UpstreamException.malformed(id, e.getMessage()));
      }
    });
  }

  private static String chatId() {
    return "chatcmpl-" + Ids.compact();
  }
}
