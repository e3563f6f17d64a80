package dev.poolgate.dispatch;

import dev.poolgate.cache.CachingSink;
import dev.poolgate.metrics.RequestTrace;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prompt and the answer of one request, on the {@code poolgate.payload} logger — only when
 * {@code server.log_payloads} is on. The answer is captured the way the response cache captures
 * it (a stream reassembled into one completion, nothing kept for an error or an answer over
 * {@link CachingSink#MAX_CACHED_BYTES}), so the line is written once the request is over.
 */
final class PayloadLog {
  private static final Logger log = LoggerFactory.getLogger("poolgate.payload");

  private final Job job;
  private final CachingSink capture;

  PayloadLog(Job job, ReplySink sink) {
    this.job = job;
    this.capture = new CachingSink(sink);
  }

  ReplySink sink() {
    return capture;
  }

  void write(RequestTrace trace) {
    if (!log.isInfoEnabled()) {
      return;
    }
    JsonObject answer = capture.completion();
    log.atInfo()
        .addKeyValue("request_id", trace.requestId())
        .addKeyValue("client_key", trace.clientKey())
        .addKeyValue("status", trace.status())
        .addKeyValue("request", job.body().encode())
        .addKeyValue("answer", answer == null ? null : answer.encode())
        .log("request payload");
  }
}
