package dev.poolgate.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POOLGATE_LOG_FORMAT in any case picks the encoder; anything else is a start-up error. */
class LogFormatTest {

  @Test
  void anyCaseNamesTheFormatAndAnythingElseIsRefused() {
    assertEquals(LogFormat.JSON, LogFormat.of("json"));
    assertEquals(LogFormat.JSON, LogFormat.of(" Json "));
    assertEquals(LogFormat.TEXT, LogFormat.of("text"));
    assertEquals(LogFormat.TEXT, LogFormat.of(null));
    assertNull(LogFormat.of("yaml"));
    assertNull(LogFormat.problem("JSON"));
    assertEquals("POOLGATE_LOG_FORMAT must be TEXT or JSON (any case), got 'jsn'", LogFormat.problem("jsn"));
  }

  @Test
  void lowerCaseJsonWritesJsonLines() {
    String line = encode("json");
    assertEquals("hello 42", new JsonObject(line.trim()).getString("formattedMessage"), line);
    assertTrue(encode("TEXT").contains("INFO") && encode("TEXT").contains("hello 42"), encode("TEXT"));
  }

  private static String encode(String format) {
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    ConsoleEncoder encoder = new ConsoleEncoder();
    encoder.setContext(context);
    encoder.setFormat(format);
    encoder.start();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("t"), Level.INFO, "hello {}", null,
        new Object[] {42});
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }
}
