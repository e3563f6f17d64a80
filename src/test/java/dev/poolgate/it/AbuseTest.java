package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import dev.poolgate.testing.RawHttp;
import dev.poolgate.testing.RawHttp.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.poolgate.testing.Await.until;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and abuse over raw sockets: oversized bodies and heads, deep nesting, bytes that are
 * not UTF-8, wrong content types, clients that never finish, thousands of connections dropped at
 * every stage, clients leaving while queued or mid-stream. Each case gets its clear error (where
 * the server can still answer) in the OpenAI shape, and afterwards no slot or ticket is left in
 * {@code /health/detailed}, no answer carried the upstream's key, and a normal request succeeds.
 */
class AbuseTest extends GatewayTestBase {
  /** The upstream key: recognizable, so any answer that carries it is caught. */
  private static final String SECRET = "sk-upstream-SECRET-5b2f90c1d7e4";
  private static final String CHAT = "/v1/chat/completions";
  private static final int BODY_LIMIT = 64 * 1024;
  private static final int REQUEST_TIMEOUT_MS = 1_000;
  private static final int READ_TIMEOUT_MS = 10_000;

  private FakeOpenAi up;

  /** One pool {@code p} of one instance with the secret key; the gateway's limits small, so tests are quick. */
  private void start(int cap, int queueMax, int idleTimeoutSeconds) {
    up = fake();
    JsonObject cfg = onePool(instance("a", up, cap).put("api_key", SECRET));
    cfg.getJsonObject("server").put("max_body_bytes", BODY_LIMIT).put("request_timeout_ms", REQUEST_TIMEOUT_MS)
        .put("idle_timeout_s", idleTimeoutSeconds);
    cfg.getJsonObject("pools").getJsonObject("p").getJsonObject("queue").put("max_size", queueMax)
        .put("timeout_ms", 10_000);
    gateway(cfg);
    // a cold JVM can take longer than the 1 s deadlines to serve its first request
    assertEquals(200, gw.postBlocking(chat("warm-up")).status());
    until("the warm-up request is released", () -> health().equals(new PoolHealth(0, 0)));
    up.clearRecords();
  }

  private void start() {
    start(4, 100, 30);
  }

  // ------------------------------------------------------------------ oversized

  @Test
  void bodyDeclaredOverTheLimitIs413BeforeItIsSent() {
    start();
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      client.send(RawHttp.head(CHAT, "Content-Type: application/json", "Content-Length: " + (10 * BODY_LIMIT)));
      client.send("{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"");
      assertError(client.readResponse(), 413, "request_too_large");
    }
    assertNothingLeakedAndStillServing();
  }

  @Test
  void chunkedBodyGrowingOverTheLimitIs413() {
    start();
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      client.send(RawHttp.head(CHAT, "Content-Type: application/json", "Transfer-Encoding: chunked"));
      String chunk = "x".repeat(8 * 1024);
      client.send(chunk("{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\""));
      int sent = 0;
      // stop as soon as the answer is there: writing on would race the server's close
      while (!client.answered() && sent < 4 * BODY_LIMIT) {
        client.send(chunk(chunk));
        sent += chunk.length();
      }
      assertError(client.readResponse(), 413, "request_too_large");
      assertTrue(sent > BODY_LIMIT / 2, "the answer came once the body grew over the limit, after " + sent);
    }
    assertEquals(0, up.requests());
    assertNothingLeakedAndStillServing();
  }

  @Test
  void oneHugeHeaderIs431() {
    start();
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      client.send(RawHttp.post(CHAT, chat("hi").toBuffer().getBytes(), "X-Padding: " + "a".repeat(20_000)));
      assertError(client.readResponse(), 431, "request_header_fields_too_large");
      assertTrue(client.closedByServer(), "the connection is closed after a head it could not read");
    }
    assertEquals(0, up.requests());
    assertNothingLeakedAndStillServing();
  }

  @Test
  void manyHeadersOverTheLimitIs431() {
    start();
    String[] headers = new String[64];
    for (int i = 0; i < headers.length; i++) {
      headers[i] = "X-Padding-" + i + ": " + "b".repeat(400);
    }
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      client.send(RawHttp.post(CHAT, chat("hi").toBuffer().getBytes(), headers));
      assertError(client.readResponse(), 431, "request_header_fields_too_large");
      assertTrue(client.closedByServer());
    }
    assertNothingLeakedAndStillServing();
  }

  @Test
  void overlongRequestLineIs414() {
    start();
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      client.send(RawHttp.post(CHAT + "?q=" + "c".repeat(12_000), chat("hi").toBuffer().getBytes()));
      RawHttp.Response response = client.readResponse();
      assertError(response, 414, "uri_too_long");
      assertTrue(response.raw().startsWith("HTTP/1.1 414 "), response.raw());
      assertTrue(client.closedByServer());
    }
    assertNothingLeakedAndStillServing();
  }

  @Test
  void garbageInsteadOfHttpIs400() {
    start();
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: twelve\r\n\r\n{}");
      assertError(client.readResponse(), 400, "invalid_request");
      assertTrue(client.closedByServer());
    }
    assertNothingLeakedAndStillServing();
  }

  // ------------------------------------------------------------------ bodies that are not what they claim

  @Test
  void deepNestingIs400AndNeverReachesTheUpstream() {
    start();
    int[] depths = {129, 2_000, 10_000};
    for (int depth : depths) {
      String arrays = "[".repeat(depth) + "]".repeat(depth);
      assertInvalidJson(bodyWith("\"deep\":" + arrays), "nested arrays " + depth);
      String objects = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
      assertInvalidJson(bodyWith("\"deep\":" + objects), "nested objects " + depth);
    }
    // never closed, as deep as the body limit allows
    assertInvalidJson(bodyWith("\"deep\":" + "[".repeat(BODY_LIMIT - 200)), "unclosed arrays");
    assertEquals(0, up.requests(), "nothing too deep went upstream");

    // a deep but reasonable structure (a JSON schema, say) passes untouched
    String nested = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
    Response ok = postRaw(bodyWith("\"deep\":" + nested));
    assertEquals(200, ok.status(), ok.body());
    assertEquals(new JsonObject(nested), up.bodies().get(0).getJsonObject("deep"));
    assertNothingLeakedAndStillServing();
  }

  @Test
  void invalidUtf8Is400AndIsNeverForwarded() {
    start();
    List<String> invalid = List.of(
        "ff",           // never valid
        "80",           // a continuation byte with no start
        "c3",           // a start byte with its continuation missing (an ASCII letter follows)
        "c0af",         // overlong '/'
        "e08080",       // overlong NUL
        "eda080",       // a UTF-16 surrogate encoded in UTF-8
        "f4908080",     // above U+10FFFF
        "e282");        // a 3-byte sequence cut short
    for (String hex : invalid) {
      byte[] body = concat("{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"ab",
          HexFormat.of().parseHex(hex), "cd\"}]}");
      Response r = postRaw(body);
      assertError(r, 400, "invalid_json");
      assertTrue(r.body().contains("UTF-8"), "says why for " + hex + ": " + r.body());
    }
    // the same bytes outside a string
    assertError(postRaw(concat("{\"model\":\"gpt-test\",", HexFormat.of().parseHex("c0af"),
        "\"messages\":[]}")), 400, "invalid_json");
    // every route that takes a body checks it: Anthropic's answers in its own error shape
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      Response r = client.send(RawHttp.post("/v1/messages", concat("{\"model\":\"gpt-test\",\"max_tokens\":9,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"", HexFormat.of().parseHex("eda080"), "\"}]}")))
          .readResponse();
      assertNoSecret(r);
      assertEquals(400, r.status(), r.raw());
      JsonObject body = new JsonObject(r.body());
      assertEquals("error", body.getString("type"), r.body());
      assertEquals("invalid_request_error", body.getJsonObject("error").getString("type"), r.body());
      assertTrue(body.getJsonObject("error").getString("message").contains("UTF-8"), r.body());
    }
    assertEquals(0, up.requests(), "no invalid byte went upstream, replaced or not");

    String text = "héllo ✓ 😀 \u0800 \uFFFD";
    Response ok = postRaw(chat(text).toBuffer().getBytes());
    assertEquals(200, ok.status(), ok.body());
    assertEquals(List.of(text), up.prompts(), "valid UTF-8 reaches the upstream exactly");
    assertNothingLeakedAndStillServing();
  }

  @Test
  void wrongContentTypeIs415() {
    start();
    byte[] json = chat("hi").toBuffer().getBytes();
    String boundary = "XyZzY";
    byte[] multipart = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n"
        + "Content-Type: application/json\r\n\r\n" + chat("hi").encode() + "\r\n--" + boundary + "--\r\n")
        .getBytes(StandardCharsets.UTF_8);
    List<byte[]> requests = List.of(
        withContentType("text/plain", json),
        withContentType("application/x-www-form-urlencoded", "model=gpt-test&messages=hi".getBytes()),
        withContentType("multipart/form-data; boundary=" + boundary, multipart),
        withContentType("application/xml", "<model>gpt-test</model>".getBytes()));
    for (byte[] request : requests) {
      try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
        assertError(client.send(request).readResponse(), 415, "unsupported_media_type");
      }
    }
    assertEquals(0, up.requests());

    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      Response ok = client.send(withContentType("application/json; charset=utf-8", json)).readResponse();
      assertEquals(200, ok.status(), ok.body());
    }
    assertNothingLeakedAndStillServing();
  }

  // ------------------------------------------------------------------ slow clients

  @Test
  void bodyNeverFinishedIs408AndTheConnectionIsClosed() {
    start();
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      long start = System.nanoTime();
      client.send(RawHttp.head(CHAT, "Content-Type: application/json", "Content-Length: 1000"));
      client.send("{\"model\":\"gpt-test\",\"messages\":[");
      Response r = client.readResponse();
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertError(r, 408, "request_timeout");
      assertTrue(tookMs >= REQUEST_TIMEOUT_MS - 100, "answered at the deadline, not before: " + tookMs + " ms");
      assertTrue(client.closedByServer(), "the connection is closed after a 408");
    }
    assertEquals(0, up.requests());
    assertNothingLeakedAndStillServing();
  }

  @Test
  void bodyTrickledByteByByteIs408AtTheDeadline() {
    start();
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      long start = System.nanoTime();
      client.send(RawHttp.head(CHAT, "Content-Type: application/json", "Transfer-Encoding: chunked"));
      // every byte keeps the connection busy, so only a deadline on the whole body stops this
      long giveUp = start + TimeUnit.SECONDS.toNanos(8);
      while (!client.awaitAnswer(100) && System.nanoTime() < giveUp) {
        client.send(chunk(" "));
      }
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMs >= REQUEST_TIMEOUT_MS - 100 && tookMs < 8_000, "cut off at the deadline: " + tookMs + " ms");
      Response r = client.readResponse();
      assertError(r, 408, "request_timeout");
      assertTrue(client.closedByServer());
    }
    assertNothingLeakedAndStillServing();
  }

  @Test
  void headTrickledByteByByteIsCutOffAtTheDeadline() {
    int idleTimeoutSeconds = 2;
    start(4, 100, idleTimeoutSeconds);
    byte[] head = RawHttp.post(CHAT, chat("slowloris").toBuffer().getBytes());
    // a new connection has the request timeout for its first head
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      long tookMs = trickleUntilClosed(client, head);
      assertTrue(tookMs >= REQUEST_TIMEOUT_MS - 100 && tookMs < 8_000, "closed at the deadline: " + tookMs + " ms");
    }
    // a kept-alive one has the idle (keep-alive) timeout for its next head, however busy it keeps the line
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      Response first = client.send(RawHttp.post(CHAT, chat("a fair first request").toBuffer().getBytes()))
          .readResponse();
      assertEquals(200, first.status(), first.raw());
      long tookMs = trickleUntilClosed(client, head);
      // the deadline runs from the answer's end, a moment before the trickle starts
      assertTrue(tookMs >= idleTimeoutSeconds * 1000 - 500 && tookMs < 8_000,
          "closed at the keep-alive deadline: " + tookMs + " ms");
    }
    assertEquals(List.of("a fair first request"), up.prompts());
    assertNothingLeakedAndStillServing();
  }

  /** Sends the head a byte every 100 ms (each one resets the idle timeout) until the server closes. */
  private static long trickleUntilClosed(RawHttp client, byte[] head) {
    long start = System.nanoTime();
    int sent = 0;
    while (sent < head.length - 10 && !client.awaitAnswer(100)) {
      client.send(new byte[] {head[sent++]});
    }
    assertTrue(client.closedByServer(), "the connection is closed");
    assertTrue(sent < head.length - 10, "closed before the head was complete, after " + sent + " bytes");
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void requestsLongerThanTheHeadDeadlineAreNotCutOffAndKeepAliveWorks() {
    start(4, 100, 30);
    up.chunkDelay(100).pieces(Collections.nCopies(25, " tok"));
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      long start = System.nanoTime();
      Response stream = client.send(RawHttp.post(CHAT, chat("long").put("stream", true).toBuffer().getBytes()))
          .readResponse();
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(200, stream.status(), stream.raw());
      assertTrue(stream.body().endsWith("data: [DONE]\n\n"), stream.body());
      assertTrue(tookMs > 2 * REQUEST_TIMEOUT_MS, "the stream outlasted the head deadline: " + tookMs + " ms");
      assertNoSecret(stream);

      Response next = client.send(RawHttp.post(CHAT, chat("same connection").toBuffer().getBytes())).readResponse();
      assertEquals(200, next.status(), next.raw());
      assertNoSecret(next);
    }
    assertNothingLeakedAndStillServing();
  }

  @Test
  void idleConnectionsAreClosed() {
    start(4, 100, 1);
    try (RawHttp silent = RawHttp.connect(gw.port(), READ_TIMEOUT_MS);
         RawHttp halfHead = RawHttp.connect(gw.port(), READ_TIMEOUT_MS);
         RawHttp kept = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      halfHead.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl");
      Response first = kept.send(RawHttp.post(CHAT, chat("then nothing").toBuffer().getBytes())).readResponse();
      assertEquals(200, first.status(), first.body());
      assertNoSecret(first);
      assertTrue(silent.closedByServer(), "a connection that never sends a byte is closed");
      assertTrue(halfHead.closedByServer(), "a connection that stops inside its head is closed");
      assertTrue(kept.closedByServer(), "an idle keep-alive connection is closed");
    }
    assertNothingLeakedAndStillServing();
  }

  // ------------------------------------------------------------------ clients that leave

  @Test
  void queuedClientsThatDisconnectLeaveNoTicket() {
    start(1, 3, 30);
    up.hold();
    List<RawHttp> queued = new ArrayList<>();
    try (RawHttp holder = RawHttp.connect(gw.port(), READ_TIMEOUT_MS);
         RawHttp rejected = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      holder.send(RawHttp.post(CHAT, chat("holder").toBuffer().getBytes()));
      until("the holder has the only slot", () -> up.requests() == 1);
      for (int i = 0; i < 3; i++) {
        queued.add(RawHttp.connect(gw.port(), READ_TIMEOUT_MS)
            .send(RawHttp.post(CHAT, chat("queued " + i).put("stream", i == 1).toBuffer().getBytes())));
      }
      until("the queue is full", () -> health().queued == 3);

      Response full = rejected.send(RawHttp.post(CHAT, chat("one too many").toBuffer().getBytes())).readResponse();
      assertError(full, 429, "queue_full");
      assertNotNull(full.header("retry-after"));

      queued.get(0).close();
      queued.get(1).abort();
      queued.get(2).close();
      until("every gone client's ticket left the queue", () -> health().queued == 0);
      assertEquals(1, health().inFlight, "the holder still has its slot");

      up.release();
      Response held = holder.readResponse();
      assertEquals(200, held.status(), held.body());
      assertNoSecret(held);
    } finally {
      queued.forEach(RawHttp::close);
    }
    assertNothingLeakedAndStillServing();
    assertEquals(List.of("holder", "still serving"), up.prompts(), "no gone client's request went upstream");
  }

  @Test
  void manyClientsLeavingMidStreamGiveBackEverySlotAndUpstreamConnection() {
    int clients = 40;
    start(clients, 100, 30);
    up.chunkDelay(100).pieces(Collections.nCopies(300, " tok"));
    List<RawHttp> streams = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        streams.add(RawHttp.connect(gw.port(), READ_TIMEOUT_MS)
            .send(RawHttp.post(CHAT, chat("stream " + i).put("stream", true).toBuffer().getBytes())));
      }
      for (RawHttp s : streams) {
        String head = s.readUntil("data: ");
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        assertFalse(head.contains(SECRET));
      }
      until("every stream is in flight upstream", () -> up.inFlight() == clients);
      assertEquals(clients, health().inFlight);
      int upstreamConnections = up.openConnections();

      for (int i = 0; i < clients; i++) {
        if (i % 2 == 0) {
          streams.get(i).abort();
        } else {
          streams.get(i).close();
        }
      }
      until("every upstream stream was reset", () -> up.resets() == clients && up.inFlight() == 0);
      until("every upstream connection of a stream was closed",
          () -> up.openConnections() == upstreamConnections - clients);
      assertEquals(0, up.completed(), "no abandoned stream ran to its end");
    } finally {
      streams.forEach(RawHttp::close);
    }
    assertNothingLeakedAndStillServing();
  }

  @Test
  void thousandsOfConnectionsOpenedAndDroppedAtEveryStage() throws InterruptedException {
    start(8, 1000, 30);
    up.chunkDelay(50).pieces(Collections.nCopies(100, " tok"));
    int connections = 2_000;
    byte[] whole = chat("dropped").toBuffer().getBytes();
    byte[] stream = chat("dropped stream").put("stream", true).toBuffer().getBytes();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger streamsSeen = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    long start = System.nanoTime();
    for (int n = 0; n < connections; n++) {
      int i = n;
      pool.execute(() -> {
        try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
          switch (i % 5) {
            case 0 -> { } // connect, then nothing
            case 1 -> client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le");
            case 2 -> client.send(RawHttp.head(CHAT, "Content-Type: application/json", "Content-Length: 500"))
                .send("{\"model\":\"gpt-test\",");
            case 3 -> client.send(RawHttp.post(CHAT, whole));
            default -> {
              String head = client.send(RawHttp.post(CHAT, stream)).readUntil("data: ");
              if (!head.startsWith("HTTP/1.1 200") || head.contains(SECRET)) {
                failures.add(i + ": " + head);
              }
              streamsSeen.incrementAndGet();
            }
          }
          if (i % 2 == 0) {
            client.abort();
          }
        } catch (RuntimeException | AssertionError e) {
          failures.add(i + ": " + e);
        }
      });
    }
    pool.shutdown();
    // meanwhile a well-behaved client is served
    int served = 0;
    long giveUp = start + TimeUnit.SECONDS.toNanos(120);
    while (!pool.isTerminated() && System.nanoTime() < giveUp) {
      Reply reply = gw.postBlocking(chat("well-behaved"));
      assertEquals(200, reply.status(), reply::text);
      assertFalse(reply.text().contains(SECRET));
      served++;
    }
    assertTrue(pool.awaitTermination(1, TimeUnit.SECONDS), "every connection was made and dropped in time");
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(failures.isEmpty(), failures.size() + " failed, e.g. " + failures.peek());
    assertEquals(connections / 5, streamsSeen.get(), "every dropped stream had started (took " + tookMs + " ms)");
    assertTrue(served > 0, "the well-behaved client was served during the storm");

    until("every upstream request ended", () -> up.inFlight() == 0);
    assertTrue(up.resets() >= connections / 5, "every stream was reset upstream: " + up.resets());
    assertNothingLeakedAndStillServing();
  }

  // ------------------------------------------------------------------ checks

  private record PoolHealth(int inFlight, int queued) {
  }

  /** Pool {@code p} as {@code GET /health/detailed} tells it; the answer never carries the secret. */
  private PoolHealth health() {
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      Response r = client.send("GET /health/detailed HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .readResponse();
      assertNoSecret(r);
      JsonArray pools = new JsonObject(r.body()).getJsonArray("pools");
      JsonObject p = pools.getJsonObject(0);
      assertEquals("p", p.getString("name"));
      return new PoolHealth(p.getInteger("in_flight"), p.getInteger("queued"));
    }
  }

  /** After each case: no slot, no ticket, nothing in flight upstream; and a normal request still works. */
  private void assertNothingLeakedAndStillServing() {
    until("/health/detailed shows 0 in flight and 0 queued", Duration.ofSeconds(10),
        () -> health().equals(new PoolHealth(0, 0)));
    until("nothing in flight upstream", () -> up.inFlight() == 0);
    Reply ok = gw.postBlocking(chat("still serving"));
    assertEquals(200, ok.status(), ok::text);
    assertFalse(ok.text().contains(SECRET) || ok.headers().toString().contains(SECRET));
    assertTrue(up.authorizations().contains("Bearer " + SECRET), "the upstream key was in play");
  }

  private void assertError(Response r, int status, String code) {
    assertNoSecret(r);
    assertEquals(status, r.status(), r.raw());
    assertEquals("application/json", r.header("content-type"), r.raw());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertNotNull(error, "OpenAI error shape: " + r.body());
    assertFalse(error.getString("message", "").isBlank(), "a message: " + r.body());
    assertNotNull(error.getString("type"), r.body());
    assertEquals(code, error.getString("code"), r.body());
  }

  private static void assertNoSecret(Response r) {
    assertFalse(r.raw().contains(SECRET), "the upstream key leaked: " + r.raw());
  }

  private void assertInvalidJson(byte[] body, String what) {
    Response r = postRaw(body);
    assertEquals(400, r.status(), what + ": " + r.raw());
    assertError(r, 400, "invalid_json");
  }

  private Response postRaw(byte[] body) {
    try (RawHttp client = RawHttp.connect(gw.port(), READ_TIMEOUT_MS)) {
      return client.send(RawHttp.post(CHAT, body)).readResponse();
    }
  }

  /** A valid chat request with one more top-level field. */
  private static byte[] bodyWith(String field) {
    return ("{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + field + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] withContentType(String contentType, byte[] body) {
    byte[] head = RawHttp.head(CHAT, "Content-Type: " + contentType, "Content-Length: " + body.length);
    return concat(head, body);
  }

  private static byte[] concat(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      byte[] bytes = part instanceof byte[] b ? b : part.toString().getBytes(StandardCharsets.UTF_8);
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  private static String chunk(String data) {
    return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
  }
}
