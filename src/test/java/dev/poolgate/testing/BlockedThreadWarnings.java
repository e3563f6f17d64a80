package dev.poolgate.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;

import java.util.ArrayList;
import java.util.List;

/**
 * Records what Vert.x's blocked-thread checker logs (an appender on the root logger in
 * logback-test.xml that keeps only the checker's lines), for {@link NoBlockedThreads} to fail the test it happened in.
 */
public final class BlockedThreadWarnings extends AppenderBase<ILoggingEvent> {
  /** Frames of the blocked thread's stack kept with a warning: enough to see who blocked. */
  private static final int STACK_FRAMES = 25;
  private static final List<String> WARNINGS = new ArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    // Vert.x names the logger after the checker's class (io.vertx.core.impl.BlockedThreadChecker in 5.0)
    if (!event.getLoggerName().endsWith(".BlockedThreadChecker")) {
      return;
    }
    StringBuilder warning = new StringBuilder(event.getFormattedMessage());
    IThrowableProxy stack = event.getThrowableProxy();
    if (stack != null) {
      StackTraceElementProxy[] frames = stack.getStackTraceElementProxyArray();
      for (int i = 0; i < Math.min(STACK_FRAMES, frames.length); i++) {
        warning.append("\n    at ").append(frames[i].getStackTraceElement());
      }
    }
    synchronized (WARNINGS) {
      WARNINGS.add(warning.toString());
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
