package dev.poolgate.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake Gemini API on 127.0.0.1 speaking the real wire format: {@code POST
 * /v1beta/models/MODEL:generateContent} answers a {@code GenerateContentResponse};
 * {@code :streamGenerateContent?alt=sse} answers {@code data: {...}\r\n\r\n} events, one per text
 * piece, the last with {@code finishReason} and full {@code usageMetadata}, and no {@code [DONE]};
 * errors are {@code {"error":{"code","message","status"}}}; the key must come in
 * {@code x-goog-api-key}. Programmable: text pieces, a function call, the finish reason, failing
 * with a status, raw (malformed) answers, breaking or ending a stream early.
 */
public final class FakeGemini {
  public static final String KEY = "gemini-test-key";
  public static final String MODEL_VERSION = "gemini-fake-001";

  private final Vertx vertx;
  private final int port;
  private volatile List<String> pieces = List.of("Hello", " from", " Gemini.");
  private volatile JsonObject functionCall;
  private volatile String finishReason = "STOP";
  private volatile int failStatus;
  private volatile int rawStatus;
  private volatile String rawContentType;
  private volatile String rawBody;
  private volatile int breakAfterEvents = -1;
  private volatile boolean endWithoutFinish;
  private volatile long eventDelayMs;

  private final AtomicInteger requests = new AtomicInteger();
  private final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();

  private FakeGemini(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
  }

  public static Future<FakeGemini> start(Vertx vertx) {
    FakeGemini fake = new FakeGemini(vertx, Ports.free());
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(fake.port));
    return server.requestHandler(fake::handle).listen().map(fake);
  }

  /** What a poolgate gemini instance's {@code base_url} should be. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1beta";
  }

  public FakeGemini pieces(List<String> text) {
    this.pieces = List.copyOf(text);
    return this;
  }

  /** Answers with a function call (after the text pieces, if any). */
  public FakeGemini functionCall(String name, JsonObject args) {
    this.functionCall = new JsonObject().put("name", name).put("args", args);
    return this;
  }

  public FakeGemini finishReason(String reason) {
    this.finishReason = reason;
    return this;
  }

  /** Answers every request with this status and Gemini's error body. */
  public FakeGemini failWith(int status) {
    this.failStatus = status;
    return this;
  }

  /** Answers every request with exactly this status, content type and body. */
  public FakeGemini answerRaw(int status, String contentType, String body) {
    this.rawContentType = contentType;
    this.rawBody = body;
    this.rawStatus = status;
    return this;
  }

  /** Waits this long after each stream event. */
  public FakeGemini eventDelay(long ms) {
    this.eventDelayMs = ms;
    return this;
  }

  /** Closes the connection after this many stream events. */
  public FakeGemini breakAfter(int events) {
    this.breakAfterEvents = events;
    return this;
  }

  /** Ends streams cleanly but before the event with the finish reason. */
  public FakeGemini endWithoutFinish() {
    this.endWithoutFinish = true;
    return this;
  }

  public FakeGemini succeed() {
    failStatus = 0;
    rawStatus = 0;
    breakAfterEvents = -1;
    endWithoutFinish = false;
    return this;
  }

  public int requests() {
    return requests.get();
  }

  public List<JsonObject> bodies() {
    return List.copyOf(bodies);
  }

  /** Request paths with their query strings. */
  public List<String> paths() {
    return List.copyOf(paths);
  }

  private void handle(HttpServerRequest req) {
    if (req.method() == HttpMethod.GET && req.path().equals("/v1beta/models")) {
      json(req.response(), 200, new JsonObject().put("models", new JsonArray()));
      return;
    }
    boolean stream = req.path().endsWith(":streamGenerateContent");
    if (req.method() != HttpMethod.POST || !req.path().startsWith("/v1beta/models/")
        || !(stream || req.path().endsWith(":generateContent"))) {
      error(req.response(), 404, "NOT_FOUND", "Requested entity was not found.");
      return;
    }
    requests.incrementAndGet();
    paths.add(req.uri());
    if (!KEY.equals(req.getHeader("x-goog-api-key"))) {
      error(req.response(), 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
      return;
    }
    req.body().onSuccess(b -> {
      bodies.add(b.toJsonObject());
      if (rawStatus > 0) {
        req.response().setStatusCode(rawStatus).putHeader("content-type", rawContentType).end(rawBody);
      } else if (failStatus > 0) {
        String status = switch (failStatus) {
          case 400 -> "INVALID_ARGUMENT";
          case 403 -> "PERMISSION_DENIED";
          case 404 -> "NOT_FOUND";
          case 429 -> "RESOURCE_EXHAUSTED";
          case 503 -> "UNAVAILABLE";
          default -> "INTERNAL";
        };
        error(req.response(), failStatus, status, "fake gemini error " + failStatus);
      } else if (stream) {
        stream(req);
      } else {
        json(req.response(), 200, answer(allParts(), finishReason, true));
      }
    });
  }

  private JsonArray allParts() {
    JsonArray parts = new JsonArray();
    if (!pieces.isEmpty()) {
      parts.add(new JsonObject().put("text", String.join("", pieces)));
    }
    if (functionCall != null) {
      parts.add(new JsonObject().put("functionCall", functionCall));
    }
    return parts;
  }

  private void stream(HttpServerRequest req) {
    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < pieces.size(); i++) {
      boolean last = i == pieces.size() - 1 && functionCall == null;
      events.add(answer(new JsonArray().add(new JsonObject().put("text", pieces.get(i))), last ? finishReason : null,
          last));
    }
    if (functionCall != null) {
      events.add(answer(new JsonArray().add(new JsonObject().put("functionCall", functionCall)), finishReason, true));
    }
    if (endWithoutFinish) {
      events.remove(events.size() - 1);
    }
    req.response().setStatusCode(200).setChunked(true).putHeader("content-type", "text/event-stream");
    write(req, events, 0, breakAfterEvents);
  }

  private void write(HttpServerRequest req, List<JsonObject> events, int next, int breakAfter) {
    if (breakAfter >= 0 && next >= breakAfter) {
      req.connection().close();
      return;
    }
    if (next == events.size()) {
      req.response().end();
      return;
    }
    req.response().write("data: " + events.get(next).encode() + "\r\n\r\n");
    long delay = eventDelayMs;
    if (delay > 0) {
      vertx.setTimer(delay, id -> write(req, events, next + 1, breakAfter));
    } else {
      write(req, events, next + 1, breakAfter);
    }
  }

  private JsonObject answer(JsonArray parts, String finish, boolean fullUsage) {
    JsonObject candidate = new JsonObject()
        .put("content", new JsonObject().put("parts", parts).put("role", "model"))
        .put("index", 0);
    if (finish != null) {
      candidate.put("finishReason", finish);
    }
    return new JsonObject()
        .put("candidates", new JsonArray().add(candidate))
        .put("usageMetadata", new JsonObject().put("promptTokenCount", 7)
            .put("candidatesTokenCount", fullUsage ? 3 : 1).put("totalTokenCount", fullUsage ? 10 : 8))
        .put("modelVersion", MODEL_VERSION)
        .put("responseId", "resp-fake");
  }

  private static void error(HttpServerResponse resp, int code, String status, String message) {
    json(resp, code, new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)
        .put("status", status)));
  }

  private static void json(HttpServerResponse resp, int status, JsonObject body) {
    resp.setStatusCode(status).putHeader("content-type", "application/json; charset=UTF-8").end(body.toBuffer());
  }
}
