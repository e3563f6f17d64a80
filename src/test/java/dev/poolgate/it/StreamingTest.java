package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.Await.until;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.onePool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Answers passing through: JSON, SSE, usage, clients leaving mid-stream, streams breaking. */
class StreamingTest extends GatewayTestBase {

  @Test
  void jsonAnswerPassesThroughWithTheInstanceModelAndKey() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));

    Reply reply = gw.postBlocking(chat("hello there"));

    assertEquals(200, reply.status(), reply::text);
    assertTrue(reply.header("content-type").startsWith("application/json"));
    assertEquals("a", reply.header("x-poolgate-instance"));
    assertEquals("p", reply.header("x-poolgate-pool"));
    assertEquals("1", reply.header("x-poolgate-attempts"));
    assertEquals("1", reply.header("openai-processing-ms"), "upstream hints pass through");
    // a whole answer leaves in one write with its length, not in chunked framing
    assertEquals(String.valueOf(reply.body().length()), reply.header("content-length"));
    assertEquals(null, reply.header("transfer-encoding"));
    JsonObject answer = reply.json();
    assertEquals("chat.completion", answer.getString("object"));
    assertEquals("Hello from the fake.", answer.getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content"));
    assertEquals(2, answer.getJsonObject("usage").getInteger("prompt_tokens"));
    JsonObject sent = up.bodies().get(0);
    assertEquals(FakeOpenAi.MODEL, sent.getString("model"), "the instance's model name goes upstream");
    assertEquals("Bearer sk-test-a", up.authorizations().get(0));
  }

  @Test
  void streamPassesThroughAndDropsTheUsageChunkTheClientDidNotAskFor() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));

    Reply reply = gw.postBlocking(chat("hi").put("stream", true));

    assertEquals(200, reply.status(), reply::text);
    assertTrue(reply.header("content-type").startsWith("text/event-stream"));
    assertEquals("chunked", reply.header("transfer-encoding"), "a stream goes out as it comes");
    List<String> events = events(reply.text());
    // role, 5 content pieces, finish, [DONE]; the usage chunk the gateway asked for is dropped
    assertEquals(8, events.size(), reply.text());
    assertEquals("data: [DONE]", events.get(events.size() - 1));
    StringBuilder content = new StringBuilder();
    for (String e : events.subList(0, events.size() - 1)) {
      JsonObject chunk = new JsonObject(e.substring("data: ".length()));
      assertEquals("chat.completion.chunk", chunk.getString("object"));
      assertFalse(chunk.getValue("usage") instanceof JsonObject, "no usage chunk: " + e);
      content.append(chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content", ""));
    }
    assertEquals("Hello from the fake.", content.toString());
    assertEquals(Boolean.TRUE, up.bodies().get(0).getJsonObject("stream_options").getBoolean("include_usage"),
        "the gateway asks upstream for usage");
  }

  @Test
  void streamKeepsTheUsageChunkWhenTheClientAsked() {
    FakeOpenAi up = fake();
    gateway(onePool(instance("a", up, 2)));

    Reply reply = gw.postBlocking(chat("one two three").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true)));

    List<String> events = events(reply.text());
    assertEquals(9, events.size(), reply.text());
    assertEquals("data: [DONE]", events.get(8));
    JsonObject usageChunk = new JsonObject(events.get(7).substring("data: ".length()));
    assertTrue(usageChunk.getJsonArray("choices").isEmpty());
    assertEquals(3, usageChunk.getJsonObject("usage").getInteger("prompt_tokens"));
    assertEquals(5, usageChunk.getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void clientLeavingMidStreamReleasesTheSlotAndResetsTheUpstream() {
    List<String> many = new ArrayList<>(Collections.nCopies(40, " tok"));
    FakeOpenAi up = fake().chunkDelay(100).pieces(many);
    gateway(onePool(instance("a", up, 1)));

    HttpClient leaving = vertx.createHttpClient();
    Promise<Buffer> firstBytes = Promise.promise();
    HttpClientRequest req = await(leaving.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(gw.port()).setURI("/v1/chat/completions")
        .putHeader("content-type", "application/json")));
    HttpClientResponse resp = await(req.send(chat("long story").put("stream", true).toBuffer()));
    assertEquals(200, resp.statusCode());
    resp.handler(firstBytes::tryComplete);
    Buffer first = await(firstBytes.future());
    assertTrue(first.toString().startsWith("data: {"), first.toString());
    await(req.connection().close());

    until("the upstream request was reset", Duration.ofSeconds(3), () -> up.resets() == 1);
    until("the slot was released", Duration.ofSeconds(3), () -> gw.pool("p").inFlight() == 0);
    assertEquals(0, up.completed(), "the upstream never finished the abandoned stream");

    long start = System.nanoTime();
    Reply next = await(gw.post(chat("next")), Duration.ofSeconds(3));
    assertEquals(200, next.status(), next::text);
    assertTrue((System.nanoTime() - start) / 1_000_000 < 2_000, "the freed slot served the next request");
    await(leaving.close());
  }

  @Test
  void clientLeavingBeforeTheUpstreamAnswersReleasesTheSlotAndResetsTheUpstream() {
    FakeOpenAi up = fake().latency(3_000);
    gateway(onePool(instance("a", up, 1)));

    HttpClient leaving = vertx.createHttpClient();
    HttpClientRequest req = await(leaving.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(gw.port()).setURI("/v1/chat/completions")
        .putHeader("content-type", "application/json")));
    req.send(chat("slow answer").toBuffer());
    until("the upstream got the request", () -> up.requests() == 1);
    await(req.connection().close());

    until("the upstream request was reset", Duration.ofSeconds(2), () -> up.resets() == 1);
    until("the slot was released", Duration.ofSeconds(2), () -> gw.pool("p").inFlight() == 0);
    assertEquals(0, gw.instanceSnapshot("p", "a").consecutiveFailures(), "the client leaving is not the instance's fault");
    await(leaving.close());
    up.latency(0);
    assertEquals(200, await(gw.post(chat("next")), Duration.ofSeconds(3)).status());
  }

  @Test
  void noRetryAfterTheFirstByteTheStreamEndsWithAnErrorEventAndNoDone() {
    // the delay lets the two events reach the client before the upstream breaks
    FakeOpenAi broken = fake().breakAfter(2).chunkDelay(50);
    FakeOpenAi good = fake();
    JsonObject brokenFirst = instance("broken", broken, 5).put("weight", 100);
    gateway(onePool(brokenFirst, instance("good", good, 5)));

    Reply reply = gw.postBlocking(chat("hi").put("stream", true));

    assertEquals(200, reply.status());
    assertEquals("broken", reply.header("x-poolgate-instance"));
    List<String> events = events(reply.text());
    assertEquals(3, events.size(), reply.text());
    assertEquals("assistant", new JsonObject(events.get(0).substring(6)).getJsonArray("choices").getJsonObject(0)
        .getJsonObject("delta").getString("role"));
    assertEquals("Hello", new JsonObject(events.get(1).substring(6)).getJsonArray("choices").getJsonObject(0)
        .getJsonObject("delta").getString("content"));
    JsonObject error = new JsonObject(events.get(2).substring(6)).getJsonObject("error");
    assertNotNull(error, events.get(2));
    assertEquals("upstream_error", error.getString("type"));
    assertFalse(reply.text().contains("[DONE]"), "never a fake [DONE]");
    assertEquals(1, broken.requests());
    assertEquals(0, good.requests(), "no retry once bytes reached the client");
  }

  @Test
  void streamBreakingRightAfterItsHeadersIsRetriedOnAnotherInstance() {
    FakeOpenAi broken = fake().breakAfter(0);
    FakeOpenAi good = fake();
    gateway(onePool(instance("broken", broken, 5).put("weight", 100), instance("good", good, 5)));

    for (int i = 0; i < 5; i++) {
      Reply reply = await(gw.post(chat("hi " + i).put("stream", true)), Duration.ofSeconds(5));
      assertEquals(200, reply.status());
      assertEquals("good", reply.header("x-poolgate-instance"), "nothing reached the client: retried");
      assertTrue(reply.text().endsWith("data: [DONE]\n\n"), reply.text());
    }
  }

  @Test
  void aStreamBreakingAtAnyMomentNeverHangsTheClient() {
    FakeOpenAi broken = fake();
    FakeOpenAi good = fake();
    JsonObject cfg = onePool(instance("broken", broken, 5).put("weight", 100), instance("good", good, 5));
    // keep the broken instance healthy so that every request tries it first
    cfg.getJsonObject("health").put("degrade_after", 1000).put("unhealthy_after", 1000);
    gateway(cfg);

    for (int i = 0; i < 30; i++) {
      broken.breakAfter(1 + i % 3);
      Reply reply = await(gw.post(chat("hi " + i).put("stream", true)), Duration.ofSeconds(3));
      assertEquals(200, reply.status());
      if ("good".equals(reply.header("x-poolgate-instance"))) {
        assertTrue(reply.text().endsWith("data: [DONE]\n\n"), "retried before the first byte: " + reply.text());
      } else {
        assertFalse(reply.text().contains("[DONE]"), reply.text());
        assertTrue(reply.text().contains("\"upstream_error\""), "ends with an error event: " + reply.text());
      }
    }
  }

  /** The SSE events of a body, each without its blank-line terminator. */
  static List<String> events(String body) {
    List<String> out = new ArrayList<>();
    for (String e : body.split("\n\n")) {
      if (!e.isBlank()) {
        out.add(e.strip());
      }
    }
    return out;
  }
}
