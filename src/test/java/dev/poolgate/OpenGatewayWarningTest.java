package dev.poolgate;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With no client keys the gateway says loudly that it is open, louder when it is not on loopback. */
class OpenGatewayWarningTest {

  private static GatewayConfig config(String host, JsonObject keys) {
    JsonObject cfg = GatewayFixture.onePool(GatewayFixture.instance("a", "http://127.0.0.1:9/v1", 1));
    cfg.getJsonObject("server").put("host", host).put("port", 8080);
    if (keys != null) {
      cfg.put("keys", keys);
    }
    return ConfigLoader.parse(cfg);
  }

  private static List<String> warnings(GatewayConfig config) {
    Logger logger = (Logger) LoggerFactory.getLogger(Gateway.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      Gateway.warnIfOpen(config);
    } finally {
      logger.detachAppender(lines);
    }
    return lines.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void openOnLoopbackWarns() {
    List<String> lines = warnings(config("127.0.0.1", null));
    assertTrue(lines.size() >= 4, lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.contains("OPEN")), lines.toString());
    assertFalse(lines.stream().anyMatch(l -> l.contains("NOT a loopback")), lines.toString());
  }

  @Test
  void openOnAllInterfacesSaysSo() {
    List<String> lines = warnings(config("0.0.0.0", null));
    assertTrue(lines.stream().anyMatch(l -> l.contains("'0.0.0.0' is NOT a loopback address")), lines.toString());
    assertEquals(1, lines.stream().mapToInt(String::length).distinct().count(), "the box's right edge lines up:\n"
        + String.join("\n", lines));
    assertTrue(lines.stream().skip(1).limit(lines.size() - 2).allMatch(l -> l.startsWith("* ") && l.endsWith(" *")),
        String.join("\n", lines));
  }

  @Test
  void withKeysNothingIsSaid() {
    JsonObject keys = new JsonObject().put("a", new JsonObject().put("key", "sk-a-0123456789abcdef"));
    assertTrue(warnings(config("0.0.0.0", keys)).isEmpty());
  }

  @Test
  void loopbackHosts() {
    for (String h : List.of("127.0.0.1", "localhost", "::1", "127.0.1.1")) {
      assertTrue(Gateway.loopback(h), h);
    }
    for (String h : List.of("0.0.0.0", "10.0.0.5", "gateway.example.com", "::")) {
      assertFalse(Gateway.loopback(h), h);
    }
  }
}
