package dev.poolgate.log;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * The console's encoder (logback.xml): {@link TextLineEncoder} for {@link LogFormat#TEXT}, Logback's
 * JSON encoder for {@link LogFormat#JSON}, chosen by {@code <format>} in any case. One appender with
 * one encoder, so Logback has no unreferenced appender to warn about at every start. A value
 * that names no format falls back to text here; {@code Main} refuses it before the node starts.
 */
public final class ConsoleEncoder extends EncoderBase<ILoggingEvent> {
  private String format = LogFormat.TEXT.name();
  private Encoder<ILoggingEvent> delegate;

  public void setFormat(String format) {
    this.format = format;
  }

  @Override
  public void start() {
    LogFormat chosen = LogFormat.of(format);
    if (chosen == LogFormat.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setWithFormattedMessage(true);
      json.setWithArguments(false);
      json.setWithContext(false);
      delegate = json;
    } else {
      delegate = new TextLineEncoder();
    }
    delegate.setContext(getContext());
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
