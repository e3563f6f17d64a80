package dev.poolgate.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console appender: every line out, in order, whole, in fewer writes than lines; overload drops INFO first. */
class BatchingConsoleAppenderTest {
  private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
  private PrintStream before;
  private CountingOut out;
  private BatchingConsoleAppender appender;

  /** Standard output as the test sees it: the bytes, and how many writes brought them. */
  private static final class CountingOut extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int writes;
    volatile CountDownLatch blocked;

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
      writes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      CountDownLatch gate = blocked;
      if (gate != null) {
        try {
          gate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      synchronized (this) {
        bytes.write(b, off, len);
        writes++;
      }
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  /** One line per event: its message. */
  private static final class MessageEncoder extends EncoderBase<ILoggingEvent> {
    @Override public byte[] headerBytes() { return null; }
    @Override public byte[] encode(ILoggingEvent e) { return (e.getFormattedMessage() + "\n").getBytes(StandardCharsets.UTF_8); }
    @Override public byte[] footerBytes() { return null; }
  }

  @BeforeEach
  void swapStandardOutput() {
    before = System.out;
    out = new CountingOut();
    System.setOut(new PrintStream(out, false, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    if (appender != null) {
      appender.stop();
    }
    System.setOut(before);
  }

  private BatchingConsoleAppender start(int queueSize, int discardingThreshold) {
    return start(queueSize, discardingThreshold, BatchingConsoleAppender.DEFAULT_LINGER_MS);
  }

  private BatchingConsoleAppender start(int queueSize, int discardingThreshold, long lingerMs) {
    appender = configured(queueSize, discardingThreshold, lingerMs);
    appender.start();
    assertTrue(appender.isStarted());
    return appender;
  }

  private BatchingConsoleAppender configured(int queueSize, int discardingThreshold, long lingerMs) {
    BatchingConsoleAppender appender = new BatchingConsoleAppender();
    appender.setContext(context);
    MessageEncoder encoder = new MessageEncoder();
    encoder.setContext(context);
    encoder.start();
    appender.setEncoder(encoder);
    appender.setQueueSize(queueSize);
    appender.setDiscardingThreshold(discardingThreshold);
    appender.setLingerMs(lingerMs);
    return appender;
  }

  private LoggingEvent event(Level level, String message) {
    LoggingEvent e = new LoggingEvent();
    e.setLevel(level);
    e.setMessage(message);
    e.setLoggerName("test");
    e.setLoggerContext(context);
    e.setThreadName(Thread.currentThread().getName());
    e.setTimeStamp(System.currentTimeMillis());
    return e;
  }

  @Test
  void everyLineComesOutInOrderInBatchedWrites() throws Exception {
    start(8192, 20);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      expected.add("line " + i);
      appender.doAppend(event(Level.INFO, "line " + i));
    }
    appender.stop(); // writes out what is queued
    List<String> lines = List.of(out.text().split("\n"));
    assertEquals(expected, lines);
    assertTrue(out.writes < 2_000 / 4, out.writes + " writes for 2,000 lines");
  }

  @Test
  void anIdleNodeStillPrintsALineAtOnce() throws Exception {
    start(8192, 20);
    appender.doAppend(event(Level.WARN, "alone"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!out.text().contains("alone") && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals("alone\n", out.text());
  }

  @Test
  void underOverloadInfoLinesAreDroppedBeforeWarningsAndNothingBlocks() throws Exception {
    start(100, 20);
    out.blocked = new CountDownLatch(1); // the console stalls: the queue fills
    appender.doAppend(event(Level.INFO, "first"));
    Thread.sleep(50); // the writer takes "first" and stalls writing it
    long started = System.nanoTime();
    for (int i = 0; i < 500; i++) {
      appender.doAppend(event(Level.INFO, "info " + i));
    }
    for (int i = 0; i < 10; i++) {
      appender.doAppend(event(Level.WARN, "warn " + i));
    }
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    out.blocked.countDown();
    appender.stop();
    String text = out.text();
    long infos = text.lines().filter(l -> l.startsWith("info ")).count();
    long warns = text.lines().filter(l -> l.startsWith("warn ")).count();
    assertEquals(81, infos, "INFO lines kept while at least 20 places were left");
    assertEquals(10, warns, "warnings still fit");
    assertTrue(tookMs < 5_000, "appending waited on the stalled console: " + tookMs + " ms");
  }

  @Test
  void linesThatComeWithinTheLingerShareOneWrite() throws Exception {
    start(8192, 20, 600);
    appender.doAppend(event(Level.INFO, "a")); // wakes the writer, which lingers 600 ms
    Thread.sleep(50);
    appender.doAppend(event(Level.INFO, "b"));
    appender.doAppend(event(Level.INFO, "c"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!out.text().contains("c") && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals("a\nb\nc\n", out.text());
    assertEquals(1, out.writes, "the lines that came while the writer lingered went out in one write");
  }

  @Test
  void aLingerOutsideZeroToASecondIsRefused() {
    for (long lingerMs : new long[] {-1, BatchingConsoleAppender.MAX_LINGER_MS + 1}) {
      BatchingConsoleAppender refused = configured(8192, 20, lingerMs);
      refused.start();
      assertFalse(refused.isStarted(), "started with lingerMs " + lingerMs);
    }
    BatchingConsoleAppender zero = configured(8192, 20, 0);
    zero.start();
    assertTrue(zero.isStarted(), "a linger of 0 writes each line as it comes");
    zero.stop();
  }
}
