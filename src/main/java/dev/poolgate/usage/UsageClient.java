package dev.poolgate.usage;

import dev.poolgate.bus.BusNodes;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers a usage query for the whole cluster: asks every node's {@link UsageVerticle} for its
 * rows and sums them. A node that does not answer in time (or cannot read its database) is
 * named in {@code missing_nodes} instead of failing the query; a member with no usage recorder
 * at all (an application using the event-bus API, a node with usage off) is not asked. With a
 * shared database every node's written rows are in it, so only this node is asked.
 */
public final class UsageClient {
  public static final long DEFAULT_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final long timeoutMs;

  public UsageClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** {@code {"from","to","rows":[...],"totals":{...},"missing_nodes":[...]}} */
  public Future<JsonObject> query(UsageQuery query, boolean sharedDatabase) {
    List<String> nodes = sharedDatabase ? List.of(BusNodes.self(vertx)) : BusNodes.all(vertx);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    List<Future<Message<JsonObject>>> answers = new ArrayList<>();
    for (String node : nodes) {
      answers.add(vertx.eventBus().request(UsageVerticle.address(node), query.toJson(), options));
    }
    return Future.join(answers).transform(ignored -> {
      UsageReport report = new UsageReport();
      JsonArray missing = new JsonArray();
      for (int i = 0; i < nodes.size(); i++) {
        Future<Message<JsonObject>> answer = answers.get(i);
        if (answer.succeeded()) {
          report.add(UsageReport.rowsFromJson(answer.result().body().getJsonArray("rows")));
        } else if (!noRecorder(answer.cause())) {
          missing.add(nodes.get(i));
        }
      }
      return Future.succeededFuture(new JsonObject().put("from", query.from().toString())
          .put("to", query.to().toString()).put("rows", report.rowsJson()).put("totals", report.totals())
          .put("missing_nodes", missing));
    });
  }

  private static boolean noRecorder(Throwable t) {
    return t instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
  }
}
