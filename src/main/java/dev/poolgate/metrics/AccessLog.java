package dev.poolgate.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the {@code poolgate.access} logger, as key-value pairs (fields of the
 * JSON line with the JSON encoder): who, where, how long, how many tokens. Prompts and answers are
 * never logged here.
 */
public final class AccessLog {
  private static final Logger log = LoggerFactory.getLogger("poolgate.access");

  private AccessLog() {
  }

  public static void write(RequestTrace t) {
    if (!log.isInfoEnabled()) {
      return;
    }
    log.atInfo()
        .addKeyValue("request_id", t.requestId())
        .addKeyValue("client_key", t.clientKey())
        .addKeyValue("endpoint", t.endpoint())
        .addKeyValue("model", t.model())
        .addKeyValue("pool", t.pool())
        .addKeyValue("instance", t.instance())
        .addKeyValue("status", t.status())
        .addKeyValue("error", t.errorCode())
        .addKeyValue("priority", t.priority())
        .addKeyValue("queue_wait_ms", ms(t.queueWaitNanos()))
        .addKeyValue("ttft_ms", ms(t.firstByteNanos()))
        .addKeyValue("total_ms", ms(t.totalNanos()))
        .addKeyValue("tokens_in", t.tokensIn())
        .addKeyValue("tokens_out", t.tokensOut())
        .addKeyValue("retries", Math.max(0, t.attempts() - 1))
        .addKeyValue("fallback", t.fallback())
        .addKeyValue("cache", t.cacheOutcome())
        .log("request done");
  }

  private static Double ms(long nanos) {
    return nanos < 0 ? null : Math.round(nanos / 10_000.0) / 100.0;
  }
}
