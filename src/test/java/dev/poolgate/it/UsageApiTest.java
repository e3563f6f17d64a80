package dev.poolgate.it;

import dev.poolgate.testing.Await;
import dev.poolgate.testing.FakeOpenAi;
import dev.poolgate.testing.GatewayFixture;
import dev.poolgate.testing.GatewayFixture.Reply;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.poolgate.it.CapsAndQueueTest.assertOpenAiError;
import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Usage through a real gateway: counted per key, model and day, in H2 on disk, behind the admin token. */
class UsageApiTest extends GatewayTestBase {
  static final String ADMIN_TOKEN = "admin-token-0123456789";

  @TempDir
  Path dir;

  JsonObject usageConfig(FakeOpenAi good, FakeOpenAi failing) {
    return config(new JsonObject()
        .put("p", pool(instance("good", good, 4)))
        .put("broken", pool(instance("failing", failing, 4))))
        .put("models", new JsonObject().put("gpt-test", "p").put("gpt-alias", "p").put("gpt-broken", "broken"))
        .put("admin", new JsonObject().put("token", ADMIN_TOKEN))
        .put("usage", new JsonObject().put("jdbc_url", "jdbc:h2:file:" + dir.resolve("usage")).put("flush_ms", 50));
  }

  HttpResponse<Buffer> getUsage(String query, String token) {
    HttpRequest<Buffer> request = WebClient.create(vertx).get(gw.port(), "127.0.0.1", "/admin/usage" + query);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return await(request.send());
  }

  JsonObject usage(String query) {
    HttpResponse<Buffer> resp = getUsage(query, ADMIN_TOKEN);
    assertEquals(200, resp.statusCode(), resp.bodyAsString());
    assertEquals("application/json", resp.getHeader("content-type"));
    return resp.bodyAsJsonObject();
  }

  static JsonObject row(JsonObject usage, String key, String model) {
    return usage.getJsonArray("rows").stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("client_key").equals(key) && r.getString("model").equals(model))
        .findFirst().orElseThrow(() -> new AssertionError("no row " + key + "/" + model + " in " + usage));
  }

  /** prompt and completion tokens of an answer as the client saw them (JSON or the stream's usage chunk) */
  static long[] tokens(Reply reply) {
    JsonObject usage = null;
    if (reply.text().startsWith("data:")) {
      for (String event : reply.text().split("\n\n")) {
        String data = event.substring("data: ".length());
        if (!data.equals("[DONE]") && new JsonObject(data).getJsonObject("usage") != null) {
          usage = new JsonObject(data).getJsonObject("usage");
        }
      }
    } else {
      usage = reply.json().getJsonObject("usage");
    }
    assertTrue(usage != null, "the answer reports its usage: " + reply.text());
    return new long[] {usage.getLong("prompt_tokens"), usage.getLong("completion_tokens")};
  }

  static void assertError(HttpResponse<Buffer> resp, int status, String code) {
    assertEquals(status, resp.statusCode(), resp.bodyAsString());
    Reply reply = new Reply(resp.statusCode(), resp.headers(), resp.body());
    assertOpenAiError(reply, reply.json().getJsonObject("error").getString("type"), code);
  }

  Reply post(JsonObject body) {
    Reply reply = await(gw.post("/v1/chat/completions", body.toBuffer(), Map.of("content-type", "application/json")));
    return reply;
  }

  @Test
  void usageIsCountedPerKeyAndModelIncludingErrorsAndSurvivesARestart() {
    FakeOpenAi good = fake();
    FakeOpenAi failing = fake().failWith(500);
    JsonObject config = usageConfig(good, failing);
    gateway(config);

    long in = 0;
    long out = 0;
    for (JsonObject body : new JsonObject[] {chat("one"), chat("two, a longer prompt"),
        chat("three").put("stream", true).put("stream_options", new JsonObject().put("include_usage", true))}) {
      Reply reply = post(body);
      assertEquals(200, reply.status(), reply::text);
      long[] t = tokens(reply);
      in += t[0];
      out += t[1];
    }
    Reply alias = post(chat("four").put("model", "gpt-alias"));
    assertEquals(200, alias.status(), alias::text);
    long[] aliasTokens = tokens(alias);
    Reply broken = post(chat("five").put("model", "gpt-broken"));
    assertTrue(broken.status() >= 500, broken::text);

    // a request is counted when its exchange has ended, a moment after the client has the last byte
    JsonObject usage = Await.until("the 5 requests are counted", () -> usage(""),
        u -> u.getJsonObject("totals").getLong("requests") == 5);
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    assertEquals(today, usage.getString("from"));
    assertEquals(today, usage.getString("to"));
    assertEquals(new JsonArray(), usage.getJsonArray("missing_nodes"));
    assertEquals(3, usage.getJsonArray("rows").size(), usage::encodePrettily);
    JsonObject test = row(usage, "anonymous", "gpt-test");
    assertEquals(today, test.getString("day"));
    assertEquals(3, test.getLong("requests"));
    assertEquals(in, test.getLong("tokens_in"));
    assertEquals(out, test.getLong("tokens_out"));
    assertEquals(0, test.getLong("errors"));
    JsonObject aliasRow = row(usage, "anonymous", "gpt-alias");
    assertEquals(1, aliasRow.getLong("requests"));
    assertEquals(aliasTokens[0], aliasRow.getLong("tokens_in"));
    JsonObject brokenRow = row(usage, "anonymous", "gpt-broken");
    assertEquals(1, brokenRow.getLong("requests"));
    assertEquals(1, brokenRow.getLong("errors"));
    assertEquals(new JsonObject().put("requests", 5L).put("tokens_in", in + aliasTokens[0])
        .put("tokens_out", out + aliasTokens[1]).put("errors", 1L), usage.getJsonObject("totals"));

    JsonObject onlyAlias = usage("?model=gpt-alias&key=anonymous&from=" + LocalDate.parse(today).minusDays(3)
        + "&to=" + today);
    assertEquals(1, onlyAlias.getJsonArray("rows").size(), onlyAlias::encodePrettily);
    assertEquals(1, onlyAlias.getJsonObject("totals").getLong("requests"));
    assertEquals(0, usage("?key=team-nobody").getJsonArray("rows").size());
    String metrics = await(WebClient.create(vertx).get(gw.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertTrue(metrics.contains("poolgate_usage_pending_rows "), "the pending rows gauge is exported");

    // a restart on the same database: the counts are still there, and new ones add to them
    await(gw.close());
    gw = GatewayFixture.startBlocking(vertx, config);
    JsonObject restarted = usage("");
    assertEquals(usage.getJsonArray("rows"), restarted.getJsonArray("rows"));
    assertEquals(200, post(chat("six")).status());
    Await.until("the new request adds to the counts from before the restart", () -> usage(""),
        u -> row(u, "anonymous", "gpt-test").getLong("requests") == 4);
  }

  @Test
  void requestsCountUnderTheirClientKeyRefusalsForTheKeysLimitsAsErrors() {
    String teamA = "sk-team-a-0123456789abcdef";
    String teamB = "sk-team-b-0123456789abcdef";
    JsonObject config = usageConfig(fake(), fake()).put("keys", new JsonObject()
        .put("team-a", new JsonObject().put("key", teamA))
        .put("team-b", new JsonObject().put("key", teamB).put("max_rps", 1)));
    gateway(config);

    for (int i = 0; i < 2; i++) {
      Reply reply = await(gw.post("/v1/chat/completions", chat("a" + i).toBuffer(),
          Map.of("content-type", "application/json", "authorization", "Bearer " + teamA)));
      assertEquals(200, reply.status(), reply::text);
    }
    // three at once: the key's max_rps lets one through within the second, the others get 429
    List<Future<Reply>> burst = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      burst.add(gw.post("/v1/chat/completions", chat("b" + i).toBuffer(),
          Map.of("content-type", "application/json", "authorization", "Bearer " + teamB)));
    }
    long refused = await(Future.all(burst)).<Reply>list().stream().filter(r -> r.status() == 429).count();
    assertTrue(refused >= 1, "the burst went over the key's max_rps");
    HttpResponse<Buffer> open = getUsage("", null);
    assertEquals(401, open.statusCode(), "the admin token is not a client key: " + open.bodyAsString());

    JsonObject usage = Await.until("all 5 requests are counted", () -> usage(""),
        u -> u.getJsonObject("totals").getLong("requests") == 5);
    JsonObject a = row(usage, "team-a", "gpt-test");
    assertEquals(2, a.getLong("requests"));
    assertEquals(0, a.getLong("errors"));
    JsonObject b = row(usage, "team-b", "gpt-test");
    assertEquals(3, b.getLong("requests"));
    assertEquals(refused, b.getLong("errors"));
    assertEquals(2, usage.getJsonArray("rows").size(), "no anonymous row when every request has a key");
    assertEquals(1, usage("?key=team-a").getJsonArray("rows").size());
  }

  @Test
  void theUsageApiNeedsTheAdminToken() {
    gateway(usageConfig(fake(), fake()));
    HttpResponse<Buffer> none = getUsage("", null);
    assertError(none, 401, "invalid_api_key");
    HttpResponse<Buffer> wrong = getUsage("", "not-the-admin-token");
    assertError(wrong, 401, "invalid_api_key");
  }

  @Test
  void badDatesAreRejectedNamingTheParameter() {
    gateway(usageConfig(fake(), fake()));
    HttpResponse<Buffer> from = getUsage("?from=2026-02-30", ADMIN_TOKEN);
    assertError(from, 400, "invalid_request");
    assertTrue(from.bodyAsJsonObject().getJsonObject("error").getString("message").contains("'from'"),
        from::bodyAsString);
    HttpResponse<Buffer> to = getUsage("?to=today", ADMIN_TOKEN);
    assertError(to, 400, "invalid_request");
    assertTrue(to.bodyAsJsonObject().getJsonObject("error").getString("message").contains("'to'"), to::bodyAsString);
  }

  @Test
  void withUsageOffThereIsNoUsageApi() {
    JsonObject config = usageConfig(fake(), fake());
    config.getJsonObject("usage").put("enabled", false);
    gateway(config);
    assertEquals(200, post(chat("hi")).status());
    HttpResponse<Buffer> resp = getUsage("", ADMIN_TOKEN);
    assertError(resp, 404, "not_found");
  }
}
