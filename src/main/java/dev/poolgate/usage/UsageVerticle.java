package dev.poolgate.usage;

import dev.poolgate.bus.BusNodes;

import dev.poolgate.config.UsageConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Owns the node's usage database: writes the {@link UsageAggregator}'s batch every
 * {@code usage.flush_ms} and once more when undeployed (after the ingress, so every request has
 * been counted), and answers usage queries for this node on {@link #address(String)} (a
 * cluster-wide address: any node may ask). All JDBC runs on one worker thread of its own, in
 * order, so a query sees each batch either in the database or still in the aggregator, never
 * both and never neither. A database that is down costs nothing but a log line: the batch goes
 * back to the aggregator and is tried again at the next flush.
 */
public final class UsageVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(UsageVerticle.class);
  /** Followed by the node id: where a node answers for its usage. */
  public static final String ADDRESS_PREFIX = "poolgate.usage.";

  private final UsageConfig config;
  private final UsageAggregator usage;
  private final AtomicBoolean flushing = new AtomicBoolean();
  private JdbcUsageStore store;
  private WorkerExecutor worker;
  private MessageConsumer<JsonObject> consumer;
  private long timer;
  private long openTimer;
  /** Whether the last write failed (worker thread only): the warning is logged once per outage. */
  private boolean storeDown;

  public UsageVerticle(UsageConfig config, UsageAggregator usage) {
    this.config = config;
    this.usage = usage;
  }

  public static String address(String nodeId) {
    return ADDRESS_PREFIX + nodeId;
  }

  @Override
  public Future<?> start() {
    store = new JdbcUsageStore(config.jdbcUrl(), config.user(), config.password());
    worker = vertx.createSharedWorkerExecutor("poolgate-usage-" + deploymentID(), 1);
    // opened one flush period after start, so a wrong URL shows in the log early, yet a node that
    // fails to start (its port taken by a running node that also holds the H2 file) exits with
    // that error alone, not after a "database in use" warning; a failure is only logged
    openTimer = vertx.setTimer(config.flushMs(), id -> worker.executeBlocking(() -> {
      openStore();
      return null;
    }));
    timer = vertx.setPeriodic(config.flushMs(), id -> flush());
    consumer = vertx.eventBus().consumer(address(BusNodes.self(vertx)), this::answer);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(openTimer);
    vertx.cancelTimer(timer);
    return consumer.unregister()
        .eventually(() -> worker.executeBlocking(() -> {
          writeBatch();
          if (!usage.isEmpty()) {
            log.warn("usage of {} (day, key, model) rows could not be written before shutdown and is lost",
                usage.size());
          }
          store.close();
          return null;
        }))
        .eventually(() -> worker.close());
  }

  /**
   * Writes what was counted, unless a write is already under way.
   *
   * @return whether everything counted is now in the database (false: kept for the next flush)
   */
  Future<Boolean> flush() {
    if (usage.isEmpty()) {
      return Future.succeededFuture(true);
    }
    if (!flushing.compareAndSet(false, true)) {
      return Future.succeededFuture(false);
    }
    return worker.executeBlocking(this::writeBatch).onComplete(ar -> flushing.set(false));
  }

  private void openStore() {
    try {
      store.open();
    } catch (SQLException e) {
      down(e);
    }
  }

  /** Worker thread: takes the batch and writes it (true), or puts it back (false). */
  private boolean writeBatch() {
    List<UsageRow> batch = usage.drain();
    if (batch.isEmpty()) {
      return true;
    }
    try {
      store.add(batch);
      if (storeDown) {
        storeDown = false;
        log.info("usage database is back; counts kept meanwhile are written");
      }
      return true;
    } catch (SQLException | RuntimeException e) {
      down(e);
      List<UsageRow> dropped = usage.restore(batch);
      if (!dropped.isEmpty()) {
        log.warn("usage kept in memory is over its bound: dropped the {} oldest rows ({} requests)",
            dropped.size(), dropped.stream().mapToLong(UsageRow::requests).sum());
      }
      return false;
    }
  }

  private void down(Exception e) {
    if (!storeDown) {
      storeDown = true;
      log.warn("usage database {} unavailable, keeping counts in memory and retrying every {} ms: {}",
          JdbcUsageStore.withoutParameters(config.jdbcUrl()), config.flushMs(), e.toString());
    }
  }

  /** This node's rows for a query: from its database plus what is not written yet. */
  private void answer(Message<JsonObject> msg) {
    UsageQuery query;
    try {
      query = UsageQuery.fromJson(msg.body());
    } catch (RuntimeException e) {
      msg.fail(400, "bad usage query: " + e.getMessage());
      return;
    }
    worker.executeBlocking(() -> new UsageReport().add(store.query(query)).add(usage.snapshot(), query).rowsJson())
        .onSuccess(rows -> msg.reply(new JsonObject().put("rows", rows)))
        .onFailure(e -> msg.fail(500, "usage database: " + e.getMessage()));
  }
}
