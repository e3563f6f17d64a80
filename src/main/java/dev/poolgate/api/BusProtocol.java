package dev.poolgate.api;

/**
 * The event-bus chat API, shared by {@link ChatBusVerticle} and {@link PoolgateBusClient}.
 *
 * <p>Send an OpenAI chat request (a JSON object, {@code user_level} allowed) to {@link #ADDRESS}.
 * Without {@code stream}, the reply is the chat completion; a failure arrives as a
 * {@code ReplyException} whose code is the HTTP status and whose message is the OpenAI error JSON.
 *
 * <p>With {@code "stream": true} the sender first listens on its own address and names it in the
 * {@link #STREAM_TO} header with an initial {@link #CREDIT}. The gateway replies at once with the
 * stream's control address, then sends one message per chunk (header {@link #KIND} =
 * {@code chunk}, body the chunk object) and never more than the credit granted; the stream ends
 * with a {@code end} message or an {@code error} message (body: the OpenAI error object). The
 * consumer sends {@code {"credit": n}} to the control address to receive n more chunks, or
 * {@code {"cancel": true}} to stop (the upstream call is reset and the slot released).
 */
public final class BusProtocol {
  public static final String ADDRESS = "poolgate.chat";
  public static final String STREAM_TO = "x-poolgate-stream-to";
  public static final String CREDIT = "x-poolgate-credit";
  public static final String PRIORITY = "x-priority";
  public static final String KIND = "x-poolgate-kind";
  public static final String CHUNK = "chunk";
  public static final String END = "end";
  public static final String ERROR = "error";
  /** A stream whose consumer grants no credit for this long is treated as gone. */
  public static final long DEFAULT_STALL_TIMEOUT_MS = 60_000;

  private BusProtocol() {
  }
}
