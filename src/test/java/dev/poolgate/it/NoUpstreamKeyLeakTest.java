package dev.poolgate.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.poolgate.testing.Await;
import dev.poolgate.testing.FakeOpenAi;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

import static dev.poolgate.testing.Await.await;
import static dev.poolgate.testing.GatewayFixture.chat;
import static dev.poolgate.testing.GatewayFixture.config;
import static dev.poolgate.testing.GatewayFixture.instance;
import static dev.poolgate.testing.GatewayFixture.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstream keys never appear in a response of the status, load, docs and metrics endpoints, nor
 * in any log line (access lines included) — even when an upstream quotes the key in its error.
 */
class NoUpstreamKeyLeakTest extends GatewayTestBase {
  static final String GOOD_KEY = "sk-secret-good-0123456789abcdef";
  static final String BAD_KEY = "sk-secret-bad-fedcba9876543210";
  static final String REJECTED_KEY = "sk-secret-rejected-5555aaaa6666";
  static final List<String> KEYS = List.of(GOOD_KEY, BAD_KEY, REJECTED_KEY);
  static final List<String> PATHS = List.of("/llm/system-load", "/llm/system-capacity", "/llm/model-load/gpt-test",
      "/llm/key-load/gpt-test/good", "/llm/key-load/gpt-test/sk-...cdef", "/llm/model-load/rejecting",
      "/v1/providers/status", "/health/detailed", "/metrics", "/openapi.json", "/docs", "/v1/models",
      "/llm/models", "/health", "/health/ready");

  private final LoggerContext logs = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Level accessLevel;

  @BeforeEach
  void captureLogs() {
    lines.setContext(logs);
    lines.start();
    logs.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(lines);
    // the test logback config leaves access lines off: turn them on to check them
    ch.qos.logback.classic.Logger access = logs.getLogger("poolgate.access");
    accessLevel = access.getLevel();
    access.setLevel(Level.INFO);
  }

  @AfterEach
  void stopCapturing() {
    logs.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(lines);
    logs.getLogger("poolgate.access").setLevel(accessLevel);
  }

  @Test
  void noKeyInReportsMetricsOrLogLines() {
    FakeOpenAi good = fake();
    FakeOpenAi bad = fake().failWith(500, "{\"error\":{\"message\":\"boom for key " + BAD_KEY + "\"}}");
    FakeOpenAi rejecting = fake().failWith(401, FakeOpenAi.errorBody(401).put("echo", REJECTED_KEY).encode());
    gateway(config(new JsonObject()
        .put("p", pool(instance("bad", bad, 2).put("api_key", BAD_KEY), instance("good", good, 2).put("api_key", GOOD_KEY))
            .put("strategy", "first_available"))
        .put("rejecting", pool(instance("rejected", rejecting, 1).put("api_key", REJECTED_KEY))))
        .put("models", new JsonObject().put("gpt-test", "p")));

    for (int i = 0; i < 3; i++) {
      assertEquals(200, gw.postBlocking(chat("hi " + i)).status());
    }
    assertEquals(401, gw.postBlocking(chat("no").put("model", "rejecting")).status());
    assertTrue(good.authorizations().contains("Bearer " + GOOD_KEY), "the keys are really in use");
    assertTrue(bad.authorizations().contains("Bearer " + BAD_KEY));
    assertTrue(rejecting.authorizations().contains("Bearer " + REJECTED_KEY));
    Await.until("an access line per request", () -> accessLines() >= 4);

    WebClient web = WebClient.wrap(gw.client());
    for (String path : PATHS) {
      var resp = await(web.get(gw.port(), "127.0.0.1", path).send());
      assertEquals(200, resp.statusCode(), path);
      String body = resp.bodyAsString();
      for (String key : KEYS) {
        assertFalse(body.contains(key), path + " shows an upstream key:\n" + body);
      }
    }
    // the failing instances' errors are reported (the reports are not empty of what matters)
    Await.until("the failure of bad is on the status page", () -> {
      String providers = await(web.get(gw.port(), "127.0.0.1", "/v1/providers/status").send()).bodyAsString();
      return providers.contains("sk-...cdef") && providers.contains("failed with status 500");
    });

    List<ILoggingEvent> events = List.copyOf(lines.list);
    for (ILoggingEvent e : events) {
      String line = render(e);
      for (String key : KEYS) {
        assertFalse(line.contains(key), "a log line shows an upstream key: " + line);
      }
    }
  }

  private long accessLines() {
    return List.copyOf(lines.list).stream().filter(e -> e.getLoggerName().equals("poolgate.access")).count();
  }

  /** The whole of a log line: message, key-value pairs, arguments, the stack trace. */
  private static String render(ILoggingEvent e) {
    StringBuilder sb = new StringBuilder(e.getLoggerName()).append(' ').append(e.getFormattedMessage());
    if (e.getKeyValuePairs() != null) {
      e.getKeyValuePairs().forEach(kv -> sb.append(' ').append(kv.key).append('=').append(kv.value));
    }
    if (e.getArgumentArray() != null) {
      for (Object a : e.getArgumentArray()) {
        sb.append(' ').append(a);
      }
    }
    if (e.getThrowableProxy() != null) {
      sb.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
    }
    return sb.toString();
  }
}
