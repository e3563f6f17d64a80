package dev.poolgate.provider;

import dev.poolgate.ErrorKind;
import dev.poolgate.protocol.ChunksToMessagesStream;
import dev.poolgate.protocol.ChunksToResponsesStream;
import dev.poolgate.protocol.ErrorBodies;
import dev.poolgate.protocol.MessagesToChat;
import dev.poolgate.protocol.ProtocolException;
import dev.poolgate.protocol.ResponsesToChat;
import dev.poolgate.protocol.SseEvent;
import dev.poolgate.protocol.SseFramer;
import dev.poolgate.protocol.StreamTranslation;
import dev.poolgate.protocol.WholeAnswer;
import dev.poolgate.scheduling.Outcome;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

import java.util.function.UnaryOperator;

/**
 * Serves an Anthropic or Responses API call with an adapter that speaks only OpenAI chat: the
 * request is translated to chat, the adapter called as usual, and its answer — whole or streamed,
 * chunk by chunk — and its errors translated back into the client's shape. A request the
 * translation cannot express (a hosted tool on a chat-only instance) is the client's 400.
 */
public final class ProtocolBridge {
  private ProtocolBridge() {
  }

  public static Future<UpstreamReply> call(ProviderAdapter adapter, ProviderCall call) {
    JsonObject chat;
    try {
      chat = call.protocol() == Protocol.RESPONSES ? ResponsesToChat.request(call.body())
          : MessagesToChat.request(call.body());
    } catch (ProtocolException e) {
      return Future.failedFuture(new UpstreamException(ErrorKind.BAD_REQUEST, false, Outcome.NEUTRAL,
          e.getMessage(), 400, ErrorBodies.openAi("invalid_request_error", e.getMessage(), "unsupported_input")
          .toBuffer()));
    }
    return adapter.call(call.as(Protocol.OPENAI, chat))
        .recover(e -> Future.failedFuture(e instanceof UpstreamException u ? clientError(u, call.protocol()) : e))
        .map(reply -> translated(reply, call));
  }

  private static UpstreamReply translated(UpstreamReply reply, ProviderCall call) {
    String id = call.instance().id();
    Usage usage = reply.usage();
    boolean responses = call.protocol() == Protocol.RESPONSES;
    ReadStream<Buffer> body;
    if (call.stream()) {
      StreamTranslation<SseEvent> events = responses
          ? new ChunksToResponsesStream(call.body(), usage::set, call.instance().model())
          : new ChunksToMessagesStream(usage::set, call.instance().model());
      body = new TranslatingStream<>(reply.body(), new SseFramer(), events, id);
    } else {
      UnaryOperator<JsonObject> answer = responses ? completion -> ResponsesToChat.answer(completion, call.body())
          : MessagesToChat::answer;
      body = new TranslatingStream<>(reply.body(), WholeAnswer.chunks(),
          new WholeAnswer(answer, OpenAiAdapter.MAX_ANSWER_BYTES), id);
    }
    UpstreamReply out = UpstreamHttp.reply(call.stream() ? "text/event-stream" : "application/json", body, usage,
        reply::cancel);
    out.headers().addAll(reply.headers());
    return out;
  }

  /** An upstream error body in the client's shape (Responses clients take OpenAI's as it is). */
  private static UpstreamException clientError(UpstreamException e, Protocol client) {
    if (e.upstreamBody() == null || client != Protocol.ANTHROPIC) {
      return e;
    }
    return new UpstreamException(e.kind(), e.retryable(), e.outcome(), e.getMessage(), e.upstreamStatus(),
        ErrorBodies.toAnthropic(e.upstreamBody(), e.upstreamStatus()));
  }
}
