package dev.poolgate.provider;

import dev.poolgate.Ids;
import dev.poolgate.config.InstanceConfig;
import dev.poolgate.config.MockOptions;
import dev.poolgate.scheduling.Outcome;
import dev.poolgate.ErrorKind;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import dev.poolgate.protocol.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The built-in upstream: answers in-process in the exact OpenAI wire format with a configurable
 * time to first token, speed, chunking and error rate, so a node with no API keys shows real
 * streaming, caps and queueing.
 */
public final class MockAdapter implements ProviderAdapter {
  private static final String[] WORDS = ("This is a mock answer from poolgate. It streams tokens at the configured "
      + "speed so that pools, caps, queues and priorities can be seen at work without any API key.").split(" ");

  private final Vertx vertx;

  public MockAdapter(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<UpstreamReply> call(ProviderCall call) {
    MockOptions opts = call.instance().mock();
    Context context = vertx.getOrCreateContext();
    if (opts.fault() == MockOptions.Fault.BEFORE_CALL) {
      throw fault(opts);
    }
    if (opts.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < opts.errorRate()) {
      Promise<UpstreamReply> failed = Promise.promise();
      vertx.setTimer(Math.max(1, opts.latencyMs()), id -> failed.fail(new UpstreamException(ErrorKind.UPSTREAM_ERROR,
          true, Outcome.FAILURE, "instance " + call.instance().id() + " failed with status 500 (mock error_rate)",
          500, Buffer.buffer("{\"error\":{\"message\":\"mock failure\",\"type\":\"server_error\",\"code\":null}}"))));
      return failed.future();
    }
    int tokens = replyTokens(call.body(), opts);
    int promptTokens = promptTokens(call.body());
    Usage usage = new Usage();
    usage.set(promptTokens, tokens);
    long perToken = Math.max(0, 1000L / opts.tokensPerSecond());
    String id = (call.endpoint() == Endpoint.CHAT ? "chatcmpl-" : "cmpl-") + Ids.compact();
    long created = System.currentTimeMillis() / 1000;
    String model = call.instance().model();
    ChunkStream body;
    if (call.stream()) {
      List<Buffer> chunks = streamChunks(call, id, created, model, tokens, promptTokens, opts.chunkTokens());
      body = new ChunkStream(context, chunks, opts.latencyMs(), perToken * opts.chunkTokens());
    } else {
      Buffer whole = completion(call.endpoint(), id, created, model, text(tokens), tokens, promptTokens).toBuffer();
      body = new ChunkStream(context, List.of(whole), opts.latencyMs() + perToken * tokens, 0);
    }
    String contentType = call.stream() ? "text/event-stream" : "application/json";
    if (opts.fault() == MockOptions.Fault.MID_BODY) {
      body.failAfter(1, fault(opts));
    }
    return Future.succeededFuture(new UpstreamReply() {
      @Override public String contentType() { return contentType; }
      @Override public MultiMap headers() {
        if (opts.fault() == MockOptions.Fault.ON_HEAD) {
          throw fault(opts);
        }
        return MultiMap.caseInsensitiveMultiMap();
      }
      @Override public ReadStream<Buffer> body() { return body; }
      @Override public Usage usage() {
        if (opts.fault() == MockOptions.Fault.AT_END) {
          throw fault(opts);
        }
        return usage;
      }
      @Override public void cancel() { body.cancel(); }
    });
  }

  private static IllegalStateException fault(MockOptions opts) {
    return new IllegalStateException("mock fault " + opts.fault().name().toLowerCase());
  }

  @Override
  public Future<Void> probe(InstanceConfig instance, long timeoutMs) {
    double rate = instance.mock().errorRate();
    return rate > 0 && ThreadLocalRandom.current().nextDouble() < rate
        ? Future.failedFuture("mock probe failure (error_rate " + rate + ")")
        : Future.succeededFuture();
  }

  private static List<Buffer> streamChunks(ProviderCall call, String id, long created, String model, int tokens,
                                           int promptTokens, int chunkTokens) {
    boolean chat = call.endpoint() == Endpoint.CHAT;
    List<Buffer> chunks = new ArrayList<>();
    if (chat) {
      chunks.add(sse(chunk(id, created, model, new JsonObject().put("role", "assistant").put("content", ""), null)));
    }
    for (int t = 0; t < tokens; t += chunkTokens) {
      StringBuilder piece = new StringBuilder();
      for (int k = t; k < Math.min(tokens, t + chunkTokens); k++) {
        piece.append(k == 0 ? "" : " ").append(WORDS[k % WORDS.length]);
      }
      chunks.add(sse(chat
          ? chunk(id, created, model, new JsonObject().put("content", piece.toString()), null)
          : textChunk(id, created, model, piece.toString(), null)));
    }
    chunks.add(sse(chat ? chunk(id, created, model, new JsonObject(), "stop") : textChunk(id, created, model, "", "stop")));
    if (RequestRewriter.clientWantsUsage(call.body())) {
      chunks.add(sse(new JsonObject().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
          .put("created", created).put("model", model).put("choices", new JsonArray())
          .put("usage", usageJson(promptTokens, tokens))));
    }
    chunks.add(SseEvent.done());
    return chunks;
  }

  private static JsonObject chunk(String id, long created, String model, JsonObject delta, String finish) {
    return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("delta", delta).put("finish_reason", finish)));
  }

  private static JsonObject textChunk(String id, long created, String model, String text, String finish) {
    return new JsonObject().put("id", id).put("object", "text_completion").put("created", created)
        .put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("text", text).put("logprobs", null).put("finish_reason", finish)));
  }

  private static JsonObject completion(Endpoint endpoint, String id, long created, String model, String text,
                                       int tokens, int promptTokens) {
    JsonObject choice = new JsonObject().put("index", 0).put("finish_reason", "stop");
    if (endpoint == Endpoint.CHAT) {
      choice.put("message", new JsonObject().put("role", "assistant").put("content", text));
    } else {
      choice.put("text", text).put("logprobs", null);
    }
    return new JsonObject().put("id", id)
        .put("object", endpoint == Endpoint.CHAT ? "chat.completion" : "text_completion")
        .put("created", created).put("model", model).put("choices", new JsonArray().add(choice))
        .put("usage", usageJson(promptTokens, tokens));
  }

  private static JsonObject usageJson(int prompt, int completion) {
    return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  private static Buffer sse(JsonObject event) {
    return SseEvent.data(event.toBuffer());
  }

  private static String text(int tokens) {
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < tokens; k++) {
      sb.append(k == 0 ? "" : " ").append(WORDS[k % WORDS.length]);
    }
    return sb.toString();
  }

  private static int replyTokens(JsonObject body, MockOptions opts) {
    Object max = body.getValue("max_completion_tokens", body.getValue("max_tokens"));
    return max instanceof Number n && n.intValue() > 0 ? Math.min(n.intValue(), opts.replyTokens()) : opts.replyTokens();
  }

  /** A rough count (4 characters a token) — the mock has no tokenizer. */
  private static int promptTokens(JsonObject body) {
    Object messages = body.getValue("messages", body.getValue("prompt"));
    return Math.max(1, String.valueOf(messages).length() / 4);
  }
}
