package dev.poolgate.log;

import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.EncoderBase;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The text line ({@link LogFormat#TEXT}): what Logback's pattern
 * {@value #PATTERN} writes, character for character, stack traces included, for a fraction of its
 * cost.
 *
 * <p>Why not the pattern itself: with the access log on, every request is one line, and Logback's
 * pattern layout built each of them through a chain of converters, a string per key-value pair
 * and a boxed value turned into text, then a copy into bytes — a fifth of all the memory a
 * request allocated and most of the log writer's time. Here the line is written into one reused
 * builder: the time's {@code HH:mm:ss.} is made once a second, a logger's short name once per
 * logger. Stack traces are still written by Logback's own {@link ThrowableProxyConverter}.
 *
 * <p>Not thread-safe by design: {@link BatchingConsoleAppender} encodes on its one writer thread.
 */
public final class TextLineEncoder extends EncoderBase<ILoggingEvent> {
  /** The Logback pattern this encoder writes (tests compare the two on the same events). */
  public static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg %kvp%n";
  private static final int LOGGER_LENGTH = 24;
  private static final DateTimeFormatter UP_TO_SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss.");

  private final TargetLengthBasedClassNameAbbreviator abbreviator =
      new TargetLengthBasedClassNameAbbreviator(LOGGER_LENGTH);
  private final Map<String, String> shortNames = new HashMap<>();
  private final StringBuilder line = new StringBuilder(512);
  private final ThrowableProxyConverter throwables = new ThrowableProxyConverter();
  private final DateTimeFormatter upToSeconds = UP_TO_SECONDS.withZone(ZoneId.systemDefault());
  private long cachedSecond = Long.MIN_VALUE;
  private String cachedUpToSeconds;

  @Override
  public void start() {
    throwables.setContext(getContext());
    throwables.start();
    super.start();
  }

  @Override
  public void stop() {
    throwables.stop();
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return format(event).getBytes(StandardCharsets.UTF_8);
  }

  /** The line, its line separator and any stack trace included. */
  String format(ILoggingEvent event) {
    StringBuilder b = line;
    b.setLength(0);
    appendTime(b, event.getTimeStamp());
    b.append(' ');
    String level = event.getLevel().toString();
    b.append(level);
    for (int i = level.length(); i < 5; i++) {
      b.append(' ');
    }
    b.append(" [").append(event.getThreadName()).append("] ");
    String logger = event.getLoggerName();
    b.append(shortNames.computeIfAbsent(logger, abbreviator::abbreviate));
    b.append(" - ").append(event.getFormattedMessage()).append(' ');
    appendKeyValues(b, event.getKeyValuePairs());
    b.append(CoreConstants.LINE_SEPARATOR);
    if (event.getThrowableProxy() != null) {
      b.append(throwables.convert(event));
    }
    return b.toString();
  }

  private void appendTime(StringBuilder b, long millis) {
    long second = Math.floorDiv(millis, 1000);
    if (second != cachedSecond) {
      cachedUpToSeconds = upToSeconds.format(Instant.ofEpochSecond(second));
      cachedSecond = second;
    }
    int ms = (int) Math.floorMod(millis, 1000);
    b.append(cachedUpToSeconds);
    if (ms < 100) {
      b.append('0');
    }
    if (ms < 10) {
      b.append('0');
    }
    b.append(ms);
  }

  /** {@code key="value"} separated by spaces, as Logback's {@code %kvp}; values as {@code String.valueOf}. */
  private static void appendKeyValues(StringBuilder b, List<KeyValuePair> pairs) {
    if (pairs == null) {
      return;
    }
    for (int i = 0; i < pairs.size(); i++) {
      KeyValuePair kvp = pairs.get(i);
      if (i != 0) {
        b.append(' ');
      }
      b.append(kvp.key).append("=\"");
      Object value = kvp.value;
      // the common boxed values appended without a String of their own (same text as String.valueOf)
      if (value instanceof Integer n) {
        b.append(n.intValue());
      } else if (value instanceof Long n) {
        b.append(n.longValue());
      } else if (value instanceof Double n) {
        b.append(n.doubleValue());
      } else if (value instanceof Boolean n) {
        b.append(n.booleanValue());
      } else {
        b.append(value);
      }
      b.append('"');
    }
  }
}
