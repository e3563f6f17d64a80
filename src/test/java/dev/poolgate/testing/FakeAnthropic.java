package dev.poolgate.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
 * A fake Anthropic Messages API on 127.0.0.1 speaking the real wire format: a {@code message}
 * JSON answer, or the SSE sequence {@code message_start}, {@code content_block_start},
 * {@code ping}, {@code content_block_delta} ({@code text_delta} / {@code input_json_delta}),
 * {@code content_block_stop}, {@code message_delta}, {@code message_stop}. It can answer with a
 * tool call, fail with a status and an Anthropic error body, and misbehave in each way an
 * upstream can: bad JSON, a wrong content type, an HTML error page, a stream with no event, a
 * stream cut short, an error event mid-stream. It records the bodies and headers it got.
 */
public final class FakeAnthropic {
  public static final String MODEL = "claude-fake-1";
  public static final int INPUT_TOKENS = 12;

  /** How the next answers go wrong. */
  public enum Fault { NONE, BAD_JSON, WRONG_CONTENT_TYPE, HTML_PAGE, EMPTY_STREAM, TRUNCATED, ERROR_EVENT }

  private final Vertx vertx;
  private HttpServer server;
  private int port;
  private volatile List<String> pieces = List.of("Hello", " from", " the", " fake", ".");
  private volatile boolean toolUse;
  private volatile int failStatus;
  private volatile Fault fault = Fault.NONE;
  private volatile int faultsLeft;
  private volatile long eventDelayMs;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  private final List<MultiMap> headers = new CopyOnWriteArrayList<>();

  private FakeAnthropic(Vertx vertx) {
    this.vertx = vertx;
  }

  public static Future<FakeAnthropic> start(Vertx vertx) {
    FakeAnthropic fake = new FakeAnthropic(vertx);
    fake.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(fake::handle);
    return fake.server.listen().map(s -> {
      fake.port = s.actualPort();
      return fake;
    });
  }

  public Future<Void> close() {
    return server.close();
  }

  /** What a poolgate instance's {@code base_url} should be (the adapter adds {@code /v1/messages}). */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Answers with a text block and then a {@code get_weather} tool call ({@code stop_reason: tool_use}). */
  public FakeAnthropic toolUse(boolean on) {
    this.toolUse = on;
    return this;
  }

  /** Waits this long between two stream events. */
  public FakeAnthropic eventDelay(long ms) {
    this.eventDelayMs = ms;
    return this;
  }

  /** Answers every request with this status and an Anthropic error body. */
  public FakeAnthropic failWith(int status) {
    this.failStatus = status;
    return this;
  }

  /** The next {@code times} answers misbehave this way, then the fake answers well again. */
  public FakeAnthropic fault(Fault fault, int times) {
    this.fault = fault;
    this.faultsLeft = times;
    return this;
  }

  public FakeAnthropic succeed() {
    this.failStatus = 0;
    this.fault = Fault.NONE;
    return this;
  }

  public int requests() {
    return requests.get();
  }

  public JsonObject lastBody() {
    return bodies.get(bodies.size() - 1);
  }

  public MultiMap lastHeaders() {
    return headers.get(headers.size() - 1);
  }

  public static JsonObject errorBody(int status) {
    String type = switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> "api_error";
    };
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("type", type)
        .put("message", "fake " + type));
  }

  private void handle(HttpServerRequest req) {
    if (req.path().equals("/v1/messages/count_tokens")) {
      // Anthropic's counting endpoint: it refuses generation settings such as max_tokens
      req.body().onSuccess(b -> {
        JsonObject body = b.toJsonObject();
        bodies.add(body);
        headers.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
        boolean extra = body.containsKey("max_tokens") || body.containsKey("stream");
        req.response().setStatusCode(extra ? 400 : 200).putHeader("content-type", "application/json")
            .end((extra ? errorBody(400) : new JsonObject().put("input_tokens", INPUT_TOKENS)).encode());
      });
      return;
    }
    if (!req.path().equals("/v1/messages")) {
      req.response().setStatusCode(404).putHeader("content-type", "application/json")
          .end(errorBody(404).encode());
      return;
    }
    req.body().onSuccess(b -> {
      requests.incrementAndGet();
      JsonObject body = b.toJsonObject();
      bodies.add(body);
      headers.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      HttpServerResponse resp = req.response();
      Fault f = takeFault();
      if (failStatus > 0) {
        resp.setStatusCode(failStatus).putHeader("content-type", "application/json").end(errorBody(failStatus).encode());
      } else if (f == Fault.HTML_PAGE) {
        resp.setStatusCode(502).putHeader("content-type", "text/html").end("<html><body>502 Bad Gateway</body></html>");
      } else if (f == Fault.WRONG_CONTENT_TYPE) {
        resp.setStatusCode(200).putHeader("content-type", "text/html").end("<html>hello</html>");
      } else if (f == Fault.EMPTY_STREAM) {
        resp.setStatusCode(200).putHeader("content-type", "text/event-stream").end();
      } else if (Boolean.TRUE.equals(body.getValue("stream"))) {
        stream(resp, body, f);
      } else if (f == Fault.BAD_JSON) {
        resp.putHeader("content-type", "application/json").end("{\"id\":\"msg_1\",\"type\":\"mess");
      } else {
        resp.putHeader("content-type", "application/json").end(message(body).encode());
      }
    });
  }

  private synchronized Fault takeFault() {
    if (fault == Fault.NONE || faultsLeft <= 0) {
      return Fault.NONE;
    }
    faultsLeft--;
    return fault;
  }

  private JsonObject message(JsonObject request) {
    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", String.join("", pieces)));
    if (toolUse) {
      content.add(new JsonObject().put("type", "tool_use").put("id", "toolu_01").put("name", "get_weather")
          .put("input", new JsonObject().put("city", "Paris")));
    }
    return new JsonObject().put("id", "msg_fake01").put("type", "message").put("role", "assistant")
        .put("model", request.getString("model")).put("content", content)
        .put("stop_reason", toolUse ? "tool_use" : "end_turn").put("stop_sequence", null)
        .put("usage", new JsonObject().put("input_tokens", INPUT_TOKENS).put("output_tokens", pieces.size()));
  }

  private void stream(HttpServerResponse resp, JsonObject request, Fault f) {
    resp.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
    List<Buffer> events = new ArrayList<>();
    events.add(event("message_start", new JsonObject().put("message", new JsonObject().put("id", "msg_fake01")
        .put("type", "message").put("role", "assistant").put("model", request.getString("model"))
        .put("content", new JsonArray()).put("stop_reason", null).put("stop_sequence", null)
        .put("usage", new JsonObject().put("input_tokens", INPUT_TOKENS).put("output_tokens", 1)))));
    events.add(event("content_block_start", new JsonObject().put("index", 0)
        .put("content_block", new JsonObject().put("type", "text").put("text", ""))));
    events.add(event("ping", new JsonObject()));
    for (String piece : pieces) {
      events.add(event("content_block_delta", new JsonObject().put("index", 0)
          .put("delta", new JsonObject().put("type", "text_delta").put("text", piece))));
    }
    events.add(event("content_block_stop", new JsonObject().put("index", 0)));
    if (toolUse) {
      events.add(event("content_block_start", new JsonObject().put("index", 1).put("content_block", new JsonObject()
          .put("type", "tool_use").put("id", "toolu_01").put("name", "get_weather").put("input", new JsonObject()))));
      for (String part : List.of("", "{\"city\": ", "\"Paris\"}")) {
        events.add(event("content_block_delta", new JsonObject().put("index", 1)
            .put("delta", new JsonObject().put("type", "input_json_delta").put("partial_json", part))));
      }
      events.add(event("content_block_stop", new JsonObject().put("index", 1)));
    }
    if (f == Fault.ERROR_EVENT) {
      events.add(event("error", new JsonObject().put("error", new JsonObject().put("type", "overloaded_error")
          .put("message", "Overloaded"))));
    }
    events.add(event("message_delta", new JsonObject()
        .put("delta", new JsonObject().put("stop_reason", toolUse ? "tool_use" : "end_turn").put("stop_sequence", null))
        .put("usage", new JsonObject().put("output_tokens", pieces.size()))));
    events.add(event("message_stop", new JsonObject()));
    if (f == Fault.TRUNCATED) {
      events = events.subList(0, events.size() - 3);
    } else if (f == Fault.ERROR_EVENT) {
      events = events.subList(0, events.size() - 2);
    }
    writeSpaced(resp, events, 0);
  }

  /** Every event in its own write, {@link #eventDelay} apart, so the gateway sees them arrive one by one. */
  private void writeSpaced(HttpServerResponse resp, List<Buffer> events, int next) {
    if (resp.closed()) {
      return;
    }
    if (next == events.size()) {
      resp.end();
      return;
    }
    resp.write(events.get(next));
    if (eventDelayMs <= 0) {
      writeSpaced(resp, events, next + 1);
    } else {
      vertx.setTimer(eventDelayMs, id -> writeSpaced(resp, events, next + 1));
    }
  }

  private static Buffer event(String type, JsonObject data) {
    JsonObject d = new JsonObject().put("type", type);
    data.forEach(e -> d.put(e.getKey(), e.getValue()));
    return Buffer.buffer("event: " + type + "\ndata: " + d.encode() + "\n\n");
  }
}
