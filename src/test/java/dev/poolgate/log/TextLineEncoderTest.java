package dev.poolgate.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.poolgate.metrics.AccessLog;
import dev.poolgate.metrics.RequestTrace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text line is Logback's pattern {@link TextLineEncoder#PATTERN}, character for character:
 * each case is laid out by Logback's own {@link PatternLayout} and by the encoder, and the two
 * must agree (levels, long and short logger names, times in every millisecond width and across
 * seconds, key-value pairs of every value type, messages with arguments, stack traces).
 */
class TextLineEncoderTest {
  private final LoggerContext context = new LoggerContext();
  private PatternLayout reference;
  private TextLineEncoder encoder;

  @BeforeEach
  void setUp() {
    reference = new PatternLayout();
    reference.setContext(context);
    reference.setPattern(TextLineEncoder.PATTERN);
    reference.start();
    encoder = new TextLineEncoder();
    encoder.setContext(context);
    encoder.start();
  }

  private LoggingEvent event(String logger, Level level, String message, Throwable t, Object... args) {
    return event("vert.x-eventloop-thread-1", logger, level, message, t, args);
  }

  private LoggingEvent event(String thread, String logger, Level level, String message, Throwable t, Object... args) {
    LoggingEvent e = new LoggingEvent("test", context.getLogger(logger), level, message, t, args);
    e.setThreadName(thread);
    return e;
  }

  private void assertSame(ILoggingEvent e) {
    String expected = reference.doLayout(e);
    assertEquals(expected, encoder.format(e));
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), encoder.encode(e));
  }

  @Test
  void everyLevelAndLoggerNameAsThePatternWritesIt() {
    for (Level level : List.of(Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR)) {
      for (String logger : List.of("t", Logger.ROOT_LOGGER_NAME, "poolgate.access",
          "dev.poolgate.ledger.hazelcast.PoolOps", "io.vertx.core.impl.BlockedThreadChecker",
          "com.hazelcast.internal.cluster.impl.ClusterJoinManager", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.VeryLongClassNameIndeed",
          "NoPackageButAVeryLongNameOfMoreThan24Characters")) {
        assertSame(event(logger, level, "started {} on {}", null, "node-1", 18080));
      }
    }
  }

  @Test
  void timesInEveryMillisecondWidthAndAcrossSecondsAndDays() {
    long base = 1_764_748_799_000L; // a second before midnight UTC
    for (long offset : new long[] {0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1999, 86_400_000L + 5, 3_600_000L * 7 + 42}) {
      LoggingEvent e = event("t", Level.INFO, "tick", null);
      e.setTimeStamp(base + offset);
      assertSame(e);
    }
    // the same second twice, then an earlier one: the cached part is not reused across seconds
    for (long at : new long[] {base + 500, base + 501, base - 1000 + 3}) {
      LoggingEvent e = event("t", Level.INFO, "tick", null);
      e.setTimeStamp(at);
      assertSame(e);
    }
  }

  @Test
  void keyValuePairsOfEveryValueType() {
    LoggingEvent e = event("poolgate.access", Level.INFO, "request done", null);
    List<KeyValuePair> pairs = new ArrayList<>();
    pairs.add(new KeyValuePair("request_id", "abc-1"));
    pairs.add(new KeyValuePair("client_key", null));
    pairs.add(new KeyValuePair("status", 200));
    pairs.add(new KeyValuePair("tokens", 12_345_678_901L));
    pairs.add(new KeyValuePair("total_ms", 0.35));
    pairs.add(new KeyValuePair("tiny_ms", 1.0E-5));
    pairs.add(new KeyValuePair("big_ms", 1.234567E7));
    pairs.add(new KeyValuePair("nan", Double.NaN));
    pairs.add(new KeyValuePair("whole", 3.0));
    pairs.add(new KeyValuePair("fallback", true));
    pairs.add(new KeyValuePair("list", List.of("a", 1)));
    pairs.add(new KeyValuePair("quoted", "say \"hi\"\tthen ünïcödé ✓"));
    pairs.add(new KeyValuePair(null, "no key"));
    e.setKeyValuePairs(pairs);
    assertSame(e);
    LoggingEvent none = event("poolgate.access", Level.INFO, "no pairs", null);
    none.setKeyValuePairs(List.of());
    assertSame(none);
  }

  @Test
  void messagesWithArgumentsNullsAndUnicode() {
    assertSame(event("t", Level.WARN, "{} of {} nodes: {}", null, 2, 3, null));
    assertSame(event("t", Level.INFO, null, null));
    assertSame(event("t", Level.INFO, "über {} ✓", null, "straße"));
    assertSame(event("线程-1", "t", Level.INFO, "x", null));
  }

  @Test
  void stackTracesAsLogbackWritesThem() {
    IllegalStateException cause = new IllegalStateException("inner");
    RuntimeException t = new RuntimeException("outer", cause);
    t.addSuppressed(new UncheckedIOException(new IOException("suppressed")));
    assertSame(event("dev.poolgate.http.IngressVerticle", Level.ERROR, "unexpected failure on {} {}", t,
        "POST", "/v1/chat/completions"));
    assertTrue(encoder.format(event("t", Level.ERROR, "x", t)).contains("Caused by: java.lang.IllegalStateException: inner"));
  }

  @Test
  void theAccessLineAsTheGatewayLogsIt() {
    // the gateway's own logger, at INFO for this test only (the suite's config keeps it quiet)
    Logger access = ((LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory()).getLogger("poolgate.access");
    Level before = access.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    access.addAppender(captured);
    access.setLevel(Level.INFO);
    try {
      RequestTrace trace = new RequestTrace("req-1", "/v1/chat/completions", "gpt-4o-mini", 5);
      trace.clientKey("team-a");
      trace.finished(200, null);
      AccessLog.write(trace);
    } finally {
      access.setLevel(before);
      access.detachAppender(captured);
    }
    assertEquals(1, captured.list.size());
    ILoggingEvent e = captured.list.get(0);
    assertSame(e);
    String line = encoder.format(e);
    assertTrue(line.contains(" INFO  [") && line.contains("] poolgate.access - request done request_id=\"req-1\" "
        + "client_key=\"team-a\" endpoint=\"/v1/chat/completions\" model=\"gpt-4o-mini\""), line);
  }
}
