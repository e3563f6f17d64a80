package dev.poolgate.protocol;

/**
 * An answer (or a stream event) that does not follow its protocol, or an upstream error event in
 * the middle of a stream. Translators throw it; the provider layer turns it into an upstream
 * failure (retried before the first byte, an error event after it).
 */
public final class ProtocolException extends RuntimeException {
  public ProtocolException(String message) {
    super(message, null, false, false);
  }
}
