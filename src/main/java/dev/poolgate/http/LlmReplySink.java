package dev.poolgate.http;

import dev.poolgate.GatewayException;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.dispatch.Served;
import dev.poolgate.provider.UpstreamReply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.WriteStream;

/**
 * An answer going to an {@code /llm/...} client: the OpenAI answer turned into its text, as
 * {@code {"result": ...}} or as plain text chunks. Everything else — headers leaving with the first
 * byte, errors in the OpenAI shape, upstream 4xx passed through — is {@link HttpReplySink}'s. A
 * plain-text stream that breaks after it started cannot carry an error, so it is cut (reset),
 * never ended as if complete.
 */
final class LlmReplySink implements ReplySink {
  private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private final HttpServerResponse resp;
  private final HttpReplySink http;
  private final boolean stream;

  LlmReplySink(HttpServerResponse resp, boolean stream) {
    this.resp = resp;
    this.http = new HttpReplySink(resp);
    this.stream = stream;
  }

  @Override
  public boolean closed() {
    return http.closed();
  }

  @Override
  public void onClose(Runnable action) {
    http.onClose(action);
  }

  @Override
  public WriteStream<Buffer> open(Served served, UpstreamReply reply) {
    WriteStream<Buffer> out = http.open(served, reply);
    // both translations change the body's length: never sent with the upstream answer's
    resp.setChunked(true);
    resp.putHeader(HttpHeaders.CONTENT_TYPE, stream ? TEXT_PLAIN : APPLICATION_JSON);
    return stream ? new SseTextStream(out) : new ResultJsonStream(out);
  }

  @Override
  public boolean committed() {
    return http.committed();
  }

  @Override
  public void fail(GatewayException error) {
    http.fail(error);
  }

  @Override
  public void upstreamError(Served served, int status, Buffer body) {
    http.upstreamError(served, status, body);
  }
}
