package dev.poolgate.http;

import dev.poolgate.ErrorKind;
import dev.poolgate.usage.UsageAggregator;
import dev.poolgate.usage.UsageClient;
import dev.poolgate.usage.UsageQuery;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * {@code GET /admin/usage?from=YYYY-MM-DD&to=YYYY-MM-DD&key=NAME&model=M}: usage per day, client
 * key and model, summed over the cluster, counts not yet written included. Behind {@link AdminAuth}.
 */
public final class UsageHandler implements Handler<RoutingContext> {
  public static final String PATH = "/admin/usage";

  private final UsageAggregator usage;
  private final boolean sharedDatabase;
  private final UsageClient client;
  private final Clock clock;

  /**
   * @param sharedDatabase {@code usage.shared} as the node started with it (usage settings take
   *                       effect at start, like the database the node writes to)
   */
  public UsageHandler(UsageAggregator usage, boolean sharedDatabase, UsageClient client, Clock clock) {
    this.usage = usage;
    this.sharedDatabase = sharedDatabase;
    this.client = client;
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (!usage.on()) {
      ctx.fail(ErrorKind.NOT_FOUND.exception("usage recording is off (usage.enabled: false)"));
      return;
    }
    var params = ctx.queryParams();
    UsageQuery query = UsageQuery.parse(params.get("from"), params.get("to"), params.get("key"), params.get("model"),
        LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
    client.query(query, sharedDatabase)
        .onSuccess(body -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer()))
        .onFailure(ctx::fail);
  }
}
