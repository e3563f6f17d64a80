package dev.poolgate.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake Bedrock runtime on 127.0.0.1: Converse JSON, ConverseStream and
 * InvokeModelWithResponseStream as binary event streams (CRCs and all), InvokeModel with a Claude
 * answer. Every request must carry an {@code AWS4-HMAC-SHA256} Authorization with the expected
 * key id, region and service, or it gets 403 as Bedrock would.
 */
public final class FakeBedrock {
  public static final String KEY_ID = "AKIDFAKEEXAMPLE";
  public static final String REGION = "eu-west-3";

  private final Vertx vertx;
  private HttpServer server;
  private int port;
  private volatile boolean toolUse;
  private volatile int failStatus;
  private volatile boolean truncate;
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  private FakeBedrock(Vertx vertx) {
    this.vertx = vertx;
  }

  public static Future<FakeBedrock> start(Vertx vertx) {
    FakeBedrock fake = new FakeBedrock(vertx);
    fake.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(fake::handle);
    return fake.server.listen().map(s -> {
      fake.port = s.actualPort();
      return fake;
    });
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public FakeBedrock toolUse(boolean on) {
    this.toolUse = on;
    return this;
  }

  public FakeBedrock failWith(int status) {
    this.failStatus = status;
    return this;
  }

  /** Streams end before messageStop. */
  public FakeBedrock truncate(boolean on) {
    this.truncate = on;
    return this;
  }

  public List<String> paths() { return paths; }
  public List<JsonObject> bodies() { return bodies; }
  public List<String> authorizations() { return authorizations; }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(b -> {
      String auth = String.valueOf(req.getHeader("authorization"));
      authorizations.add(auth);
      paths.add(req.path());
      HttpServerResponse resp = req.response();
      if (!auth.startsWith("AWS4-HMAC-SHA256 Credential=" + KEY_ID + "/")
          || !auth.contains("/" + REGION + "/bedrock/aws4_request") || !auth.contains("Signature=")
          || req.getHeader("x-amz-date") == null) {
        resp.setStatusCode(403).putHeader("content-type", "application/json")
            .putHeader("x-amzn-ErrorType", "UnrecognizedClientException")
            .end("{\"message\":\"The security token included in the request is invalid.\"}");
        return;
      }
      JsonObject body = b.toJsonObject();
      bodies.add(body);
      if (failStatus > 0) {
        resp.setStatusCode(failStatus).putHeader("content-type", "application/json")
            .end("{\"message\":\"fake failure " + failStatus + "\"}");
      } else if (req.path().endsWith("/converse")) {
        resp.putHeader("content-type", "application/json").end(converse().encode());
      } else if (req.path().endsWith("/converse-stream")) {
        stream(resp, converseEvents());
      } else if (req.path().endsWith("/invoke")) {
        resp.putHeader("content-type", "application/json").end(claudeMessage().encode());
      } else if (req.path().endsWith("/invoke-with-response-stream")) {
        stream(resp, invokeEvents());
      } else {
        resp.setStatusCode(404).end();
      }
    });
  }

  private JsonObject converse() {
    JsonArray content = new JsonArray().add(new JsonObject().put("text", "Hello from Bedrock."));
    if (toolUse) {
      content.add(new JsonObject().put("toolUse", new JsonObject().put("toolUseId", "tooluse_1")
          .put("name", "get_weather").put("input", new JsonObject().put("city", "Paris"))));
    }
    return new JsonObject().put("output", new JsonObject().put("message", new JsonObject().put("role", "assistant")
            .put("content", content)))
        .put("stopReason", toolUse ? "tool_use" : "end_turn")
        .put("usage", new JsonObject().put("inputTokens", 9).put("outputTokens", 4).put("totalTokens", 13))
        .put("metrics", new JsonObject().put("latencyMs", 120));
  }

  private List<Buffer> converseEvents() {
    List<Buffer> events = new ArrayList<>();
    events.add(EventStreamEncoder.event("messageStart", "{\"role\":\"assistant\"}"));
    for (String piece : List.of("Hello", " from", " Bedrock.")) {
      events.add(EventStreamEncoder.event("contentBlockDelta", new JsonObject().put("contentBlockIndex", 0)
          .put("delta", new JsonObject().put("text", piece)).put("p", "abcd").encode()));
    }
    events.add(EventStreamEncoder.event("contentBlockStop", "{\"contentBlockIndex\":0}"));
    if (toolUse) {
      events.add(EventStreamEncoder.event("contentBlockStart", new JsonObject().put("contentBlockIndex", 1)
          .put("start", new JsonObject().put("toolUse", new JsonObject().put("toolUseId", "tooluse_1")
              .put("name", "get_weather"))).encode()));
      for (String part : List.of("{\"city\":", "\"Paris\"}")) {
        events.add(EventStreamEncoder.event("contentBlockDelta", new JsonObject().put("contentBlockIndex", 1)
            .put("delta", new JsonObject().put("toolUse", new JsonObject().put("input", part))).encode()));
      }
      events.add(EventStreamEncoder.event("contentBlockStop", "{\"contentBlockIndex\":1}"));
    }
    events.add(EventStreamEncoder.event("messageStop", "{\"stopReason\":\"" + (toolUse ? "tool_use" : "end_turn") + "\"}"));
    events.add(EventStreamEncoder.event("metadata", "{\"usage\":{\"inputTokens\":9,\"outputTokens\":4,\"totalTokens\":13},"
        + "\"metrics\":{\"latencyMs\":120}}"));
    return truncate ? events.subList(0, 3) : events;
  }

  private static JsonObject claudeMessage() {
    return new JsonObject().put("id", "msg_bedrock01").put("type", "message").put("role", "assistant")
        .put("model", "claude-on-bedrock").put("content", new JsonArray().add(new JsonObject().put("type", "text")
            .put("text", "Hello from Claude on Bedrock.")))
        .put("stop_reason", "end_turn").put("stop_sequence", null)
        .put("usage", new JsonObject().put("input_tokens", 9).put("output_tokens", 6));
  }

  private List<Buffer> invokeEvents() {
    List<JsonObject> anthropic = List.of(
        new JsonObject().put("type", "message_start").put("message", claudeMessage().copy().put("content", new JsonArray())
            .put("stop_reason", null).put("usage", new JsonObject().put("input_tokens", 9).put("output_tokens", 1))),
        new JsonObject().put("type", "content_block_start").put("index", 0)
            .put("content_block", new JsonObject().put("type", "text").put("text", "")),
        new JsonObject().put("type", "content_block_delta").put("index", 0)
            .put("delta", new JsonObject().put("type", "text_delta").put("text", "Hello from Claude on Bedrock.")),
        new JsonObject().put("type", "content_block_stop").put("index", 0),
        new JsonObject().put("type", "message_delta").put("delta", new JsonObject().put("stop_reason", "end_turn"))
            .put("usage", new JsonObject().put("output_tokens", 6)),
        new JsonObject().put("type", "message_stop"));
    List<Buffer> events = new ArrayList<>();
    for (JsonObject e : anthropic) {
      String b64 = Base64.getEncoder().encodeToString(e.toBuffer().getBytes());
      events.add(EventStreamEncoder.event("chunk", new JsonObject().put("bytes", b64).encode()));
    }
    return truncate ? events.subList(0, 3) : events;
  }

  /** Bytes split at odd places, so frames arrive in pieces as they would over the network. */
  private void stream(HttpServerResponse resp, List<Buffer> events) {
    Buffer all = Buffer.buffer();
    events.forEach(all::appendBuffer);
    resp.setChunked(true).putHeader("content-type", "application/vnd.amazon.eventstream");
    int step = 37;
    for (int i = 0; i < all.length(); i += step) {
      resp.write(all.getBuffer(i, Math.min(all.length(), i + step)));
    }
    resp.end();
  }
}
