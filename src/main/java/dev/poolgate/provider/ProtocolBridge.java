package dev.poolgate.provider;

import dev.poolgate.protocol.ChunksToMessagesStream;
import dev.poolgate.protocol.ErrorBodies;
import dev.poolgate.protocol.MessagesToChat;
import dev.poolgate.protocol.SseFramer;
import dev.poolgate.protocol.WholeAnswer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Serves an Anthropic call with an adapter that speaks only OpenAI: the request is translated to
 * OpenAI, the adapter called as usual, and its answer — whole or streamed, chunk by chunk — and
 * its errors translated back into the Anthropic shape.
 */
public final class ProtocolBridge {
  private ProtocolBridge() {
  }

  public static Future<UpstreamReply> call(ProviderAdapter adapter, ProviderCall call) {
    ProviderCall openAi = call.as(Protocol.OPENAI, MessagesToChat.request(call.body()));
    return adapter.call(openAi)
        .recover(e -> Future.failedFuture(e instanceof UpstreamException u ? anthropicError(u) : e))
        .map(reply -> translated(reply, call));
  }

  private static UpstreamReply translated(UpstreamReply reply, ProviderCall call) {
    String id = call.instance().id();
    Usage usage = reply.usage();
    ReadStream<Buffer> body = call.stream()
        ? new TranslatingStream<>(reply.body(), new SseFramer(),
            new ChunksToMessagesStream(usage::set, call.instance().model()), id)
        : new TranslatingStream<>(reply.body(), WholeAnswer.chunks(),
            new WholeAnswer(MessagesToChat::answer, OpenAiAdapter.MAX_ANSWER_BYTES), id);
    UpstreamReply out = UpstreamHttp.reply(call.stream() ? "text/event-stream" : "application/json", body, usage,
        reply::cancel);
    out.headers().addAll(reply.headers());
    return out;
  }

  private static UpstreamException anthropicError(UpstreamException e) {
    if (e.upstreamBody() == null) {
      return e;
    }
    return new UpstreamException(e.kind(), e.retryable(), e.outcome(), e.getMessage(), e.upstreamStatus(),
        ErrorBodies.toAnthropic(e.upstreamBody(), e.upstreamStatus()));
  }
}
