package dev.poolgate.it;

import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The response cache: hits, misses, TTL, bypass, stream replay, no caching of failures, no slot for hits. */
class ResponseCacheTest extends GatewayTestBase {

  private FakeOpenAi cachedGateway(long ttlSeconds) {
    FakeOpenAi up = fake();
    JsonObject p = pool(instance("a", up, 1)).put("cache", new JsonObject().put("ttl_s", ttlSeconds).put("max_entries", 100));
    gateway(config(new JsonObject().put("p", p)).put("models", new JsonObject().put("gpt-test", "p")));
    return up;
  }

  private static JsonObject deterministic(String prompt) {
    return chat(prompt).put("temperature", 0);
  }

  /** The answer is stored after the client has it: wait until the cache holds n answers. */
  private void awaitCached(long n) {
    dev.poolgate.testing.Await.until("the answer is cached", () -> gw.gateway().node().cache().size() >= n);
  }

  private Reply post(JsonObject body, Map<String, String> headers) {
    return await(gw.post("/v1/chat/completions", body.toBuffer(), headers));
  }

  @Test
  void secondIdenticalRequestIsAHitAndNeverReachesTheUpstream() {
    FakeOpenAi up = cachedGateway(60);
    Reply miss = gw.postBlocking(deterministic("hello"));
    assertEquals("miss", miss.header("x-poolgate-cache"));
    awaitCached(1);
    // same request, fields in another order: still the same key
    JsonObject reordered = new JsonObject().put("temperature", 0).put("messages", deterministic("hello")
        .getJsonArray("messages")).put("model", "gpt-test");
    Reply hit = gw.postBlocking(reordered);
    assertEquals(200, hit.status());
    assertEquals("hit", hit.header("x-poolgate-cache"));
    assertEquals("cache", hit.header("x-poolgate-instance"));
    assertEquals(miss.json().getJsonArray("choices"), hit.json().getJsonArray("choices"));
    assertEquals(1, up.requests());
  }

  @Test
  void nonDeterministicRequestsAreNotCached() {
    FakeOpenAi up = cachedGateway(60);
    gw.postBlocking(chat("hello"));
    Reply again = gw.postBlocking(chat("hello"));
    assertEquals(null, again.header("x-poolgate-cache"));
    assertEquals(2, up.requests());
  }

  @Test
  void entriesExpireAfterTheirTtl() throws Exception {
    FakeOpenAi up = cachedGateway(1);
    gw.postBlocking(deterministic("ttl"));
    awaitCached(1);
    assertEquals("hit", gw.postBlocking(deterministic("ttl")).header("x-poolgate-cache"));
    Thread.sleep(1_300);
    assertEquals("miss", gw.postBlocking(deterministic("ttl")).header("x-poolgate-cache"));
    assertEquals(2, up.requests());
  }

  @Test
  void noCacheHeaderBypassesTheCache() {
    FakeOpenAi up = cachedGateway(60);
    gw.postBlocking(deterministic("fresh"));
    Reply bypass = post(deterministic("fresh"), Map.of("content-type", "application/json", "cache-control", "no-cache"));
    assertEquals("bypass", bypass.header("x-poolgate-cache"));
    assertEquals(2, up.requests());
  }

  @Test
  void streamRequestsReplayTheCachedAnswerAsWellFormedSse() {
    FakeOpenAi up = cachedGateway(60);
    Reply json = gw.postBlocking(deterministic("stream me"));
    awaitCached(1);
    String expected = json.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    Reply sse = gw.postBlocking(deterministic("stream me").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true)));
    assertEquals("hit", sse.header("x-poolgate-cache"));
    assertTrue(sse.header("content-type").startsWith("text/event-stream"));
    String text = sse.text();
    assertTrue(text.endsWith("data: [DONE]\n\n"), text);
    StringBuilder content = new StringBuilder();
    boolean usage = false;
    for (String event : text.split("\n\n")) {
      assertTrue(event.startsWith("data: "), event);
      String data = event.substring(6);
      if (!data.equals("[DONE]")) {
        JsonObject chunk = new JsonObject(data);
        assertEquals("chat.completion.chunk", chunk.getString("object"));
        usage |= chunk.getValue("usage") instanceof JsonObject;
        if (!chunk.getJsonArray("choices").isEmpty()) {
          content.append(chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content", ""));
        }
      }
    }
    assertEquals(expected, content.toString());
    assertTrue(usage, "the usage chunk the client asked for");
    assertEquals(1, up.requests());
  }

  @Test
  void aStreamedAnswerIsCachedAndServedAsJson() {
    FakeOpenAi up = cachedGateway(60);
    Reply sse = gw.postBlocking(deterministic("s").put("stream", true));
    assertEquals("miss", sse.header("x-poolgate-cache"));
    awaitCached(1);
    Reply json = gw.postBlocking(deterministic("s"));
    assertEquals("hit", json.header("x-poolgate-cache"));
    assertEquals("Hello from the fake.", json.json().getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content"));
    assertEquals(1, up.requests());
  }

  @Test
  void errorsAndBrokenStreamsAreNotCached() {
    FakeOpenAi up = cachedGateway(60);
    up.failWith(400);
    assertEquals(400, gw.postBlocking(deterministic("bad")).status());
    up.succeed();
    assertEquals("miss", gw.postBlocking(deterministic("bad")).header("x-poolgate-cache"));
    up.breakAfter(2);
    gw.postBlocking(deterministic("broken").put("stream", true));
    up.succeed();
    assertEquals("miss", gw.postBlocking(deterministic("broken").put("stream", true)).header("x-poolgate-cache"));
  }

  @Test
  void hitsTakeNoSlot() {
    FakeOpenAi up = cachedGateway(60);
    gw.postBlocking(deterministic("warm"));
    awaitCached(1);
    up.hold();
    Future<Reply> holding = gw.post(chat("slow one"));
    gw.awaitQueued("p", 0);
    dev.poolgate.testing.Await.until("the slot is taken", () -> gw.pool("p").inFlight() == 1);
    Reply hit = gw.postBlocking(deterministic("warm"));
    assertEquals("hit", hit.header("x-poolgate-cache"));
    assertEquals(1, gw.pool("p").inFlight(), "the hit did not take the only slot");
    up.release();
    assertEquals(200, await(holding).status());
    assertFalse(up.requests() > 2);
  }
}
