package dev.poolgate.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A fast, deterministic stand-in for the OpenAI API. Every response body is built once at start-up so the upstream
 * costs as little CPU as possible and the bench measures the proxy in front of it, not this process.
 *
 * <p>Usage: {@code FakeUpstream --port 19001 [--instances N] [--delay-ms 0] [--chunks 8] [--chunk-delay-ms 0]}
 */
public final class FakeUpstream extends AbstractVerticle {
  private static final String ID = "chatcmpl-bench";
  private static final String MODEL = "gpt-4o-mini";
  private static final long CREATED = 1700000000L;
  private static final int PROMPT_TOKENS = 12;

  private final int port;
  private final long delayMs;
  private final long chunkDelayMs;
  private final Buffer completion;
  private final Buffer models;
  private final List<Buffer> chunks; // role chunk, content chunks, finish chunk
  private final List<Buffer> chunksWithUsage; // same, each with "usage":null, plus the usage chunk
  private final Buffer done = Buffer.buffer("data: [DONE]\n\n");
  private final Buffer joined; // unpaced stream: every chunk plus [DONE] in one write
  private final Buffer joinedWithUsage;

  FakeUpstream(int port, long delayMs, int contentChunks, long chunkDelayMs) {
    this.port = port;
    this.delayMs = delayMs;
    this.chunkDelayMs = chunkDelayMs;
    JsonObject usage = new JsonObject().put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", contentChunks)
        .put("total_tokens", PROMPT_TOKENS + contentChunks);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < contentChunks; i++) {
      text.append(token(i));
    }
    JsonObject message = new JsonObject().put("role", "assistant").put("content", text.toString()).putNull("refusal");
    completion = new JsonObject().put("id", ID).put("object", "chat.completion").put("created", CREATED)
        .put("model", MODEL)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
            .putNull("logprobs").put("finish_reason", "stop")))
        .put("usage", usage).put("system_fingerprint", "fp_bench").toBuffer();
    models = new JsonObject().put("object", "list").put("data", new JsonArray().add(new JsonObject()
        .put("id", MODEL).put("object", "model").put("created", CREATED).put("owned_by", "poolgate-bench"))).toBuffer();
    chunks = buildChunks(contentChunks, null);
    chunksWithUsage = buildChunks(contentChunks, usage);
    joined = join(chunks, done);
    joinedWithUsage = join(chunksWithUsage, done);
  }

  private static Buffer join(List<Buffer> parts, Buffer last) {
    Buffer b = Buffer.buffer();
    parts.forEach(b::appendBuffer);
    return b.appendBuffer(last);
  }

  private static String token(int i) {
    return i == 0 ? "Hello" : " tok" + i;
  }

  private static List<Buffer> buildChunks(int contentChunks, JsonObject usage) {
    List<JsonObject> deltas = new ArrayList<>();
    deltas.add(new JsonObject().put("role", "assistant").put("content", "").putNull("refusal"));
    for (int i = 0; i < contentChunks; i++) {
      deltas.add(new JsonObject().put("content", token(i)));
    }
    List<Buffer> out = new ArrayList<>();
    for (int i = 0; i <= deltas.size(); i++) {
      boolean last = i == deltas.size(); // the finish chunk has an empty delta
      JsonObject choice = new JsonObject().put("index", 0).put("delta", last ? new JsonObject() : deltas.get(i))
          .putNull("logprobs").put("finish_reason", last ? "stop" : null);
      JsonObject chunk = chunkEnvelope().put("choices", new JsonArray().add(choice));
      if (usage != null) {
        chunk.putNull("usage"); // OpenAI sends "usage":null on every chunk once include_usage is on
      }
      out.add(sse(chunk));
    }
    if (usage != null) {
      out.add(sse(chunkEnvelope().put("choices", new JsonArray()).put("usage", usage)));
    }
    return out;
  }

  private static JsonObject chunkEnvelope() {
    return new JsonObject().put("id", ID).put("object", "chat.completion.chunk").put("created", CREATED)
        .put("model", MODEL).put("system_fingerprint", "fp_bench");
  }

  private static Buffer sse(JsonObject chunk) {
    return Buffer.buffer("data: ").appendBuffer(chunk.toBuffer()).appendString("\n\n");
  }

  @Override
  public void start(Promise<Void> started) {
    vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setAcceptBacklog(16384))
        .requestHandler(this::handle)
        .listen(port, "127.0.0.1")
        .<Void>mapEmpty()
        .onComplete(started);
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (req.method() == HttpMethod.GET && path.equals("/v1/models")) {
      json(req.response(), 200, models);
    } else if (req.method() == HttpMethod.POST && path.equals("/v1/chat/completions")) {
      req.body().onSuccess(body -> chat(req.response(), body));
    } else {
      json(req.response(), 404, error("Unknown request URL: " + req.method() + " " + path, "invalid_request_error"));
    }
  }

  private void chat(HttpServerResponse resp, Buffer body) {
    JsonObject json;
    try {
      json = body.toJsonObject();
    } catch (RuntimeException e) {
      json(resp, 400, error("We could not parse the JSON body of your request.", "invalid_request_error"));
      return;
    }
    boolean stream = json.getBoolean("stream", false);
    JsonObject opts = json.getJsonObject("stream_options");
    boolean usage = opts != null && opts.getBoolean("include_usage", false);
    Runnable reply = stream ? () -> stream(resp, usage) : () -> json(resp, 200, completion);
    if (delayMs > 0) {
      vertx.setTimer(delayMs, t -> reply.run());
    } else {
      reply.run();
    }
  }

  private void stream(HttpServerResponse resp, boolean usage) {
    resp.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    if (chunkDelayMs <= 0) {
      resp.end(usage ? joinedWithUsage : joined); // one syscall: the upstream should not be what we measure
    } else {
      writeChunk(resp, usage ? chunksWithUsage : chunks, 0);
    }
  }

  /** Paced stream: one chunk per timer tick, stopping early if the client went away (no writes to a dead socket). */
  private void writeChunk(HttpServerResponse resp, List<Buffer> plan, int i) {
    if (resp.closed()) {
      return;
    }
    if (i == plan.size()) {
      resp.end(done);
      return;
    }
    resp.write(plan.get(i));
    vertx.setTimer(chunkDelayMs, t -> writeChunk(resp, plan, i + 1));
  }

  private static void json(HttpServerResponse resp, int status, Buffer body) {
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }

  private static Buffer error(String message, String type) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .putNull("param").putNull("code")).toBuffer();
  }

  public static void main(String[] argv) {
    Args a = new Args(argv);
    int port = a.integer("port", 19001);
    int instances = a.integer("instances", Runtime.getRuntime().availableProcessors());
    long delay = a.lng("delay-ms", 0);
    int contentChunks = a.integer("chunks", 8);
    long chunkDelay = a.lng("chunk-delay-ms", 0);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new FakeUpstream(port, delay, contentChunks, chunkDelay),
            new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.printf("FakeUpstream listening on 127.0.0.1:%d (instances=%d delay=%dms "
            + "chunks=%d chunk-delay=%dms)%n", port, instances, delay, contentChunks, chunkDelay))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
