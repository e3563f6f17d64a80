package dev.poolgate.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

import java.util.ArrayList;
import java.util.List;

/**
 * Records what Vert.x's blocked-thread checker logs (an appender on the root logger in
 * logback-test.xml that keeps only the checker's lines), for {@link NoBlockedThreads} to fail the test it happened in.
 */
public final class BlockedThreadWarnings extends AppenderBase<ILoggingEvent> {
  private static final List<String> WARNINGS = new ArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    // Vert.x names the logger after the checker's class (io.vertx.core.impl.BlockedThreadChecker in 5.0)
    if (!event.getLoggerName().endsWith(".BlockedThreadChecker")) {
      return;
    }
    synchronized (WARNINGS) {
      WARNINGS.add(event.getFormattedMessage());
    }
  }

  /** The warnings recorded and not yet drained. */
  public static List<String> peek() {
    synchronized (WARNINGS) {
      return List.copyOf(WARNINGS);
    }
  }

  /** The warnings recorded since the last call, which forgets them. */
  public static List<String> drain() {
    synchronized (WARNINGS) {
      List<String> out = List.copyOf(WARNINGS);
      WARNINGS.clear();
      return out;
    }
  }
}
