package dev.poolgate.provider;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.streams.ReadStream;

import java.util.List;

/** What the translating adapters share about reading an upstream HTTP answer. */
final class UpstreamHttp {
  private UpstreamHttp() {
  }

  /** Reads a whole (bounded) body; a body over the limit resets the request. */
  static Future<Buffer> collect(HttpClientResponse resp, HttpClientRequest req, String id) {
    Promise<Buffer> promise = Promise.promise();
    Buffer acc = Buffer.buffer();
    long limit = OpenAiAdapter.MAX_ANSWER_BYTES;
    resp.handler(chunk -> {
      if (acc.length() + chunk.length() > limit) {
        req.reset();
        promise.tryFail(UpstreamException.malformed(id, "the answer exceeded " + limit + " bytes"));
      } else {
        acc.appendBuffer(chunk);
      }
    });
    resp.exceptionHandler(e -> promise.tryFail(OpenAiAdapter.classify(id, e)));
    resp.endHandler(v -> promise.tryComplete(acc));
    resp.resume();
    return promise.future();
  }

  static boolean hasType(HttpClientResponse resp, String prefix) {
    String contentType = resp.getHeader("content-type");
    return contentType != null && contentType.toLowerCase().startsWith(prefix);
  }

  /** A whole answer, replayed as a stream so it goes through the same pipe as a streamed one. */
  static UpstreamReply whole(Vertx vertx, Buffer body, Usage usage, HttpClientRequest req) {
    ChunkStream replay = new ChunkStream(vertx.getOrCreateContext(), List.of(body), 0, 0);
    return reply("application/json", replay, usage, req::reset);
  }

  static UpstreamReply reply(String contentType, ReadStream<Buffer> body, Usage usage, Runnable cancel) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    return new UpstreamReply() {
      @Override public String contentType() { return contentType; }
      @Override public MultiMap headers() { return headers; }
      @Override public ReadStream<Buffer> body() { return body; }
      @Override public Usage usage() { return usage; }
      @Override public void cancel() { cancel.run(); }
    };
  }
}
