package dev.poolgate.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake OpenAI upstream on 127.0.0.1 that speaks the real wire format byte for byte: a
 * {@code chat.completion} JSON answer, or an SSE stream of {@code chat.completion.chunk} events
 * (role chunk, content chunks, finish chunk, the usage chunk when
 * {@code stream_options.include_usage} is set, then {@code data: [DONE]}).
 *
 * <p>Its behaviour is programmable per instance and may change between requests: latency before
 * the headers, delay between chunks, failing with a status, breaking a stream after N events,
 * holding every answer until released, refusing connections ({@link #stop()}).
 *
 * <p>It records the requests it got, their bodies, the most it ever had in flight at once, and
 * how many were reset by the client (connection closed before the answer finished).
 */
public final class FakeOpenAi {
  public static final String MODEL = "fake-model";
  private static final String FINGERPRINT = "fp_fake0001";

  private final Vertx vertx;
  private final int port;
  private volatile HttpServer server;

  // ---- behaviour
  private volatile long latencyMs;
  private volatile long chunkDelayMs;
  private volatile int failStatus;
  private volatile String failBody;
  private volatile int breakAfterEvents = -1;
  private volatile List<String> pieces = List.of("Hello", " from", " the", " fake", ".");
  private volatile boolean holding;
  private volatile String azureDeployment;
  private volatile String azureApiVersion;
  private volatile String azureApiKey;
  private volatile int rawStatus;
  private volatile String rawContentType;
  private volatile String rawBody;
  private final List<Runnable> held = new ArrayList<>();

  // ---- records
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger probes = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger resets = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final List<String> apiKeys = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();

  private FakeOpenAi(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
  }

  /** Starts a fake on a free loopback port. */
  public static Future<FakeOpenAi> start(Vertx vertx) {
    FakeOpenAi fake = new FakeOpenAi(vertx, Ports.free());
    return fake.start().map(fake);
  }

  /** A fake that is never started: its port refuses connections until {@link #start()}. */
  public static FakeOpenAi refusing(Vertx vertx) {
    return new FakeOpenAi(vertx, Ports.free());
  }

  /** (Re)starts listening on this fake's port. */
  public synchronized Future<Void> start() {
    if (server != null) {
      return Future.succeededFuture();
    }
    HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
        .setTcpNoDelay(true).setReuseAddress(true));
    s.requestHandler(this::handle);
    s.connectionHandler(conn -> {
      openConnections.incrementAndGet();
      conn.closeHandler(v -> openConnections.decrementAndGet());
    });
    server = s;
    return s.listen().mapEmpty();
  }

  /** Stops listening and drops open connections: new connections are refused. */
  public synchronized Future<Void> stop() {
    HttpServer s = server;
    server = null;
    return s == null ? Future.succeededFuture() : s.close();
  }

  public int port() {
    return port;
  }

  /** What a poolgate instance's {@code base_url} should be. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1";
  }

  // ------------------------------------------------------------------ behaviour

  /** Waits this long before sending the status and headers. */
  public FakeOpenAi latency(long ms) {
    this.latencyMs = ms;
    return this;
  }

  /** Waits this long between two SSE events. */
  public FakeOpenAi chunkDelay(long ms) {
    this.chunkDelayMs = ms;
    return this;
  }

  /** The content pieces of the answer (one SSE content event each). */
  public FakeOpenAi pieces(List<String> content) {
    this.pieces = List.copyOf(content);
    return this;
  }

  /** Answers every request (and probe) with this status and an OpenAI error body. */
  public FakeOpenAi failWith(int status) {
    return failWith(status, errorBody(status).encode());
  }

  /** Answers every request with this status and body. */
  public FakeOpenAi failWith(int status, String body) {
    this.failBody = body;
    this.failStatus = status;
    return this;
  }

  /**
   * Speaks Azure OpenAI instead: serves only {@code /openai/deployments/DEPLOYMENT/...} with this
   * {@code api-version} (else 404 "Resource not found", as Azure does) and {@code api-key} (else
   * 401); probes are {@code GET /openai/models}.
   */
  public FakeOpenAi azure(String deployment, String apiVersion, String apiKey) {
    this.azureDeployment = deployment;
    this.azureApiVersion = apiVersion;
    this.azureApiKey = apiKey;
    return this;
  }

  /** What an Azure instance pointing at this fake is configured with as {@code url}. */
  public String azureUrl() {
    return "http://127.0.0.1:" + port + "/openai/deployments/" + azureDeployment
        + "/chat/completions?api-version=" + azureApiVersion;
  }

  /** Answers every request with exactly this status, content type and body (a malformed answer). */
  public FakeOpenAi answerRaw(int status, String contentType, String body) {
    this.rawContentType = contentType;
    this.rawBody = body;
    this.rawStatus = status;
    return this;
  }

  /** Answers normally again (and clears a broken-stream setting). */
  public FakeOpenAi succeed() {
    this.rawStatus = 0;
    this.failStatus = 0;
    this.breakAfterEvents = -1;
    return this;
  }

  /** Closes the connection after writing this many SSE events of a stream. */
  public FakeOpenAi breakAfter(int events) {
    this.breakAfterEvents = events;
    return this;
  }

  /** Holds every answer (before its headers) until {@link #release()}. */
  public synchronized FakeOpenAi hold() {
    this.holding = true;
    return this;
  }

  /** Stops holding and lets every held answer go, in arrival order. */
  public void release() {
    List<Runnable> go;
    synchronized (this) {
      holding = false;
      go = new ArrayList<>(held);
      held.clear();
    }
    go.forEach(Runnable::run);
  }

  // ------------------------------------------------------------------ records

  /** Chat / completion requests received (probes not counted). */
  public int requests() {
    return requests.get();
  }

  /** Probes ({@code GET /v1/models}) received. */
  public int probes() {
    return probes.get();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** The most requests this fake ever had in flight at once. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** Requests whose connection the client closed before the answer was complete. */
  public int resets() {
    return resets.get();
  }

  /** Connections from clients (the gateway) open right now. */
  public int openConnections() {
    return openConnections.get();
  }

  /** Requests answered completely. */
  public int completed() {
    return completed.get();
  }

  /** The requests' bodies, in arrival order. */
  public List<JsonObject> bodies() {
    return List.copyOf(bodies);
  }

  /** The requests' Authorization headers ("null" when absent), in arrival order. */
  public List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  /** The requests' paths with their query strings, in arrival order. */
  public List<String> paths() {
    return List.copyOf(paths);
  }

  /** The requests' {@code api-key} headers ("null" when absent), in arrival order. */
  public List<String> apiKeys() {
    return List.copyOf(apiKeys);
  }

  /** The first user message's content of each request, in arrival order. */
  public List<String> prompts() {
    List<String> out = new ArrayList<>();
    for (JsonObject b : bodies) {
      JsonArray messages = b.getJsonArray("messages");
      out.add(messages == null || messages.isEmpty() ? null : messages.getJsonObject(0).getString("content"));
    }
    return out;
  }

  /** Forgets what was recorded (behaviour is kept). */
  public void clearRecords() {
    requests.set(0);
    probes.set(0);
    maxInFlight.set(inFlight.get());
    resets.set(0);
    completed.set(0);
    bodies.clear();
    authorizations.clear();
    paths.clear();
    apiKeys.clear();
  }

  // ------------------------------------------------------------------ serving

  private void handle(HttpServerRequest req) {
    if (req.method() == HttpMethod.POST) {
      authorizations.add(String.valueOf(req.getHeader("authorization")));
      paths.add(req.uri());
      apiKeys.add(String.valueOf(req.getHeader("api-key")));
    }
    String path = azureDeployment == null ? req.path() : azurePath(req);
    if (path == null) {
      return;
    }
    if (req.method() == HttpMethod.GET && path.equals("/v1/models")) {
      probes.incrementAndGet();
      int fail = failStatus;
      if (fail >= 500 || fail == 429 || fail == 401 || fail == 403) {
        sendError(req.response(), fail, failBody);
      } else {
        json(req.response(), 200, new JsonObject().put("object", "list").put("data", new JsonArray()
            .add(new JsonObject().put("id", MODEL).put("object", "model").put("created", 1700000000)
                .put("owned_by", "system"))));
      }
      return;
    }
    boolean chat = path.equals("/v1/chat/completions");
    boolean embeddings = path.equals("/v1/embeddings");
    boolean responses = path.equals("/v1/responses") || path.equals("/openai/v1/responses");
    if (req.method() != HttpMethod.POST
        || !(chat || embeddings || responses || path.equals("/v1/completions"))) {
      sendError(req.response(), 404, errorBody(404).encode());
      return;
    }
    requests.incrementAndGet();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    Exchange ex = new Exchange(req);
    ex.responses = responses;
    req.body().onComplete(ar -> {
      if (ar.failed()) {
        ex.done(false);
        return;
      }
      JsonObject body;
      try {
        body = ar.result().toJsonObject();
      } catch (RuntimeException e) {
        body = new JsonObject();
      }
      bodies.add(body);
      JsonObject b = body;
      io.vertx.core.Context context = vertx.getOrCreateContext();
      synchronized (this) {
        if (holding) {
          held.add(() -> context.runOnContext(v -> answerAfterLatency(ex, b, chat)));
          return;
        }
      }
      answerAfterLatency(ex, b, chat);
    });
  }

  /** One request being answered: makes sure it leaves the in-flight count exactly once. */
  private final class Exchange {
    final HttpServerRequest req;
    final HttpServerResponse resp;
    final AtomicBoolean over = new AtomicBoolean();
    volatile boolean brokenByUs;
    /** A Responses API request. */
    volatile boolean responses;

    Exchange(HttpServerRequest req) {
      this.req = req;
      this.resp = req.response();
      resp.closeHandler(v -> {
        if (!resp.ended() && !brokenByUs) {
          countReset();
        }
        done(false);
      });
      // also called when the response is disposed because its connection closed
      resp.endHandler(v -> {
        if (!resp.ended() && !brokenByUs) {
          countReset();
        }
        done(resp.ended());
      });
    }

    private final AtomicBoolean reset = new AtomicBoolean();

    void countReset() {
      if (reset.compareAndSet(false, true)) {
        resets.incrementAndGet();
      }
    }

    boolean gone() {
      return over.get() || resp.closed();
    }

    void done(boolean complete) {
      if (over.compareAndSet(false, true)) {
        inFlight.decrementAndGet();
        if (complete) {
          completed.incrementAndGet();
        }
      }
    }
  }

  private void answerAfterLatency(Exchange ex, JsonObject body, boolean chat) {
    long latency = latencyMs;
    if (latency > 0) {
      vertx.setTimer(latency, id -> answer(ex, body, chat));
    } else {
      answer(ex, body, chat);
    }
  }

  private void answer(Exchange ex, JsonObject body, boolean chat) {
    if (ex.gone()) {
      return;
    }
    int fail = failStatus;
    if (fail > 0) {
      sendError(ex.resp, fail, failBody);
      return;
    }
    if (rawStatus > 0) {
      ex.resp.setStatusCode(rawStatus).putHeader("content-type", rawContentType).end(rawBody);
      return;
    }
    if (ex.responses) {
      respond(ex, body);
      return;
    }
    if (!chat && body.containsKey("input")) {
      json(ex.resp, 200, embeddings(body));
      return;
    }
    String id = (chat ? "chatcmpl-" : "cmpl-") + "fake" + ids.incrementAndGet();
    long created = System.currentTimeMillis() / 1000;
    String model = body.getString("model", MODEL);
    List<String> content = pieces;
    int prompt = promptTokens(body);
    int completion = content.size();
    if (!Boolean.TRUE.equals(body.getValue("stream"))) {
      JsonObject answer = chat ? chatCompletion(id, created, model, content, prompt, completion)
          : textCompletion(id, created, model, content, prompt, completion);
      ex.resp.putHeader("openai-processing-ms", "1").putHeader("x-request-id", "req_" + id);
      json(ex.resp, 200, answer);
      return;
    }
    boolean usage = body.getValue("stream_options") instanceof JsonObject o
        && Boolean.TRUE.equals(o.getValue("include_usage"));
    List<Buffer> events = new ArrayList<>();
    if (chat) {
      events.add(sse(chunk(id, created, model, new JsonObject().put("role", "assistant").put("content", "")
          .put("refusal", null), null, usage)));
      for (String piece : content) {
        events.add(sse(chunk(id, created, model, new JsonObject().put("content", piece), null, usage)));
      }
      events.add(sse(chunk(id, created, model, new JsonObject(), "stop", usage)));
    } else {
      for (String piece : content) {
        events.add(sse(new JsonObject().put("id", id).put("object", "text_completion").put("created", created)
            .put("choices", new JsonArray().add(new JsonObject().put("text", piece).put("index", 0)
                .put("logprobs", null).put("finish_reason", null)))
            .put("model", model)));
      }
    }
    if (usage) {
      events.add(sse(new JsonObject().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
          .put("created", created).put("model", model).put("service_tier", "default")
          .put("system_fingerprint", FINGERPRINT).put("choices", new JsonArray())
          .put("usage", usage(prompt, completion))));
    }
    events.add(Buffer.buffer("data: [DONE]\n\n"));
    ex.resp.setStatusCode(200)
        .setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache")
        .putHeader("openai-processing-ms", "1")
        .putHeader("x-request-id", "req_" + id);
    writeEvents(ex, events, 0, breakAfterEvents);
  }

  private void writeEvents(Exchange ex, List<Buffer> events, int next, int breakAfter) {
    if (ex.gone()) {
      return;
    }
    if (breakAfter >= 0 && next >= breakAfter) {
      ex.brokenByUs = true;
      ex.req.connection().close();
      return;
    }
    if (next == events.size()) {
      ex.resp.end();
      return;
    }
    ex.resp.write(events.get(next));
    long delay = chunkDelayMs;
    if (delay > 0 && next + 1 < events.size()) {
      vertx.setTimer(delay, id -> writeEvents(ex, events, next + 1, breakAfter));
    } else {
      writeEvents(ex, events, next + 1, breakAfter);
    }
  }

  /** The Responses API: a {@code response} object, or its event sequence, from the fake's pieces. */
  private void respond(Exchange ex, JsonObject body) {
    String id = "resp_fake" + ids.incrementAndGet();
    String itemId = "msg_fake" + ids.get();
    long created = System.currentTimeMillis() / 1000;
    String text = String.join("", pieces);
    JsonObject part = new JsonObject().put("type", "output_text").put("text", text)
        .put("annotations", new JsonArray()).put("logprobs", new JsonArray());
    JsonObject item = new JsonObject().put("id", itemId).put("type", "message").put("status", "completed")
        .put("role", "assistant").put("content", new JsonArray().add(part));
    int input = Math.max(1, String.valueOf(body.getValue("input")).split("\\s+").length);
    JsonObject done = response(id, created, body, "completed", new JsonArray().add(item))
        .put("usage", new JsonObject().put("input_tokens", input)
            .put("input_tokens_details", new JsonObject().put("cached_tokens", 0))
            .put("output_tokens", pieces.size())
            .put("output_tokens_details", new JsonObject().put("reasoning_tokens", 0))
            .put("total_tokens", input + pieces.size()));
    if (!Boolean.TRUE.equals(body.getValue("stream"))) {
      json(ex.resp, 200, done);
      return;
    }
    List<JsonObject> events = new ArrayList<>();
    JsonObject started = response(id, created, body, "in_progress", new JsonArray()).put("usage", null);
    events.add(new JsonObject().put("type", "response.created").put("response", started));
    events.add(new JsonObject().put("type", "response.in_progress").put("response", started));
    events.add(new JsonObject().put("type", "response.output_item.added").put("output_index", 0)
        .put("item", item.copy().put("status", "in_progress").put("content", new JsonArray())));
    JsonObject at = new JsonObject().put("item_id", itemId).put("output_index", 0).put("content_index", 0);
    events.add(at.copy().put("type", "response.content_part.added").put("part", part.copy().put("text", "")));
    for (String piece : pieces) {
      events.add(at.copy().put("type", "response.output_text.delta").put("delta", piece)
          .put("logprobs", new JsonArray()));
    }
    events.add(at.copy().put("type", "response.output_text.done").put("text", text).put("logprobs", new JsonArray()));
    events.add(at.copy().put("type", "response.content_part.done").put("part", part));
    events.add(new JsonObject().put("type", "response.output_item.done").put("output_index", 0).put("item", item));
    events.add(new JsonObject().put("type", "response.completed").put("response", done));
    List<Buffer> wire = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      JsonObject e = events.get(i).put("sequence_number", i);
      wire.add(Buffer.buffer("event: " + e.getString("type") + "\ndata: " + e.encode() + "\n\n"));
    }
    ex.resp.setStatusCode(200).setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("x-request-id", "req_" + id);
    writeEvents(ex, wire, 0, breakAfterEvents);
  }

  private static JsonObject response(String id, long created, JsonObject request, String status, JsonArray output) {
    return new JsonObject().put("id", id).put("object", "response").put("created_at", created)
        .put("status", status).put("error", null).put("incomplete_details", null)
        .put("instructions", request.getValue("instructions")).put("max_output_tokens", null)
        .put("model", request.getString("model", MODEL)).put("output", output).put("parallel_tool_calls", true)
        .put("previous_response_id", null).put("store", request.getValue("store", true))
        .put("temperature", 1.0).put("text", new JsonObject().put("format", new JsonObject().put("type", "text")))
        .put("tool_choice", "auto").put("tools", request.getValue("tools", new JsonArray())).put("top_p", 1.0)
        .put("truncation", "disabled").put("user", null).put("metadata", new JsonObject());
  }

  // ------------------------------------------------------------------ wire format

  /** Maps an Azure deployment path to the OpenAI path it stands for, or answers as Azure would and returns null. */
  private String azurePath(HttpServerRequest req) {
    if (req.method() == HttpMethod.GET && req.path().equals("/openai/models")) {
      return "/v1/models";
    }
    String prefix = "/openai/deployments/" + azureDeployment;
    // the v1 API (the Responses API lives there): no api-version, the deployment named as the model
    boolean v1 = req.path().equals("/openai/v1/responses");
    if (!v1 && (!req.path().startsWith(prefix + "/") || !azureApiVersion.equals(req.getParam("api-version")))) {
      sendError(req.response(), 404, new JsonObject().put("error", new JsonObject().put("code", "404")
          .put("message", "Resource not found")).encode());
      return null;
    }
    if (!azureApiKey.equals(req.getHeader("api-key"))) {
      sendError(req.response(), 401, new JsonObject().put("error", new JsonObject().put("code", "401")
          .put("message", "Access denied due to invalid subscription key or wrong API endpoint.")).encode());
      return null;
    }
    return v1 ? req.path() : "/v1" + req.path().substring(prefix.length());
  }

  /** An embeddings answer: one small deterministic vector per input. */
  private static JsonObject embeddings(JsonObject body) {
    Object input = body.getValue("input");
    int n = input instanceof JsonArray a && !(a.getValue(0) instanceof Number) ? a.size() : 1;
    JsonArray data = new JsonArray();
    for (int i = 0; i < n; i++) {
      data.add(new JsonObject().put("object", "embedding").put("index", i)
          .put("embedding", new JsonArray().add(0.1 * (i + 1)).add(-0.2).add(0.3)));
    }
    return new JsonObject().put("object", "list").put("data", data).put("model", body.getString("model", MODEL))
        .put("usage", new JsonObject().put("prompt_tokens", 2 * n).put("total_tokens", 2 * n));
  }

  private static JsonObject chatCompletion(String id, long created, String model, List<String> content, int prompt,
                                           int completion) {
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", created)
        .put("model", model)
        .put("choices", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("message", new JsonObject().put("role", "assistant").put("content", String.join("", content))
                .put("refusal", null).put("annotations", new JsonArray()))
            .put("logprobs", null)
            .put("finish_reason", "stop")))
        .put("usage", usage(prompt, completion))
        .put("service_tier", "default")
        .put("system_fingerprint", FINGERPRINT);
  }

  private static JsonObject textCompletion(String id, long created, String model, List<String> content, int prompt,
                                           int completion) {
    return new JsonObject()
        .put("id", id)
        .put("object", "text_completion")
        .put("created", created)
        .put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("text", String.join("", content)).put("index", 0)
            .put("logprobs", null).put("finish_reason", "stop")))
        .put("usage", usage(prompt, completion));
  }

  private static JsonObject chunk(String id, long created, String model, JsonObject delta, String finish,
                                  boolean withUsageField) {
    JsonObject c = new JsonObject()
        .put("id", id)
        .put("object", "chat.completion.chunk")
        .put("created", created)
        .put("model", model)
        .put("service_tier", "default")
        .put("system_fingerprint", FINGERPRINT)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
            .put("logprobs", null).put("finish_reason", finish)));
    if (withUsageField) {
      // with include_usage, OpenAI sends "usage": null on every chunk but the last
      c.put("usage", null);
    }
    return c;
  }

  static JsonObject usage(int prompt, int completion) {
    return new JsonObject()
        .put("prompt_tokens", prompt)
        .put("completion_tokens", completion)
        .put("total_tokens", prompt + completion)
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0).put("audio_tokens", 0))
        .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", 0).put("audio_tokens", 0)
            .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0));
  }

  private static int promptTokens(JsonObject body) {
    JsonArray messages = body.getJsonArray("messages");
    int words = 0;
    if (messages != null) {
      for (Object m : messages) {
        if (m instanceof JsonObject o && o.getValue("content") instanceof String s) {
          words += s.isBlank() ? 0 : s.trim().split("\\s+").length;
        }
      }
    }
    return Math.max(1, words);
  }

  private static Buffer sse(JsonObject event) {
    return Buffer.buffer("data: " + event.encode() + "\n\n");
  }

  /** The OpenAI error body for a status. */
  public static JsonObject errorBody(int status) {
    String type = switch (status) {
      case 400, 404 -> "invalid_request_error";
      case 401 -> "invalid_request_error";
      case 429 -> "requests";
      default -> "server_error";
    };
    String code = switch (status) {
      case 401 -> "invalid_api_key";
      case 429 -> "rate_limit_exceeded";
      default -> null;
    };
    return new JsonObject().put("error", new JsonObject()
        .put("message", "fake upstream error " + status)
        .put("type", type)
        .put("param", null)
        .put("code", code));
  }

  private static void sendError(HttpServerResponse resp, int status, String body) {
    resp.setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  private static void json(HttpServerResponse resp, int status, JsonObject body) {
    resp.setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
  }
}
