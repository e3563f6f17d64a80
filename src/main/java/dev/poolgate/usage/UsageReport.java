package dev.poolgate.usage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * Rows from several sources (the database, the unflushed counts, other nodes) summed per
 * (day, client key, model) in a stable order, with their totals.
 */
public final class UsageReport {
  private final TreeMap<UsageRow.Key, UsageRow> rows = new TreeMap<>();

  public UsageReport add(Collection<UsageRow> more) {
    for (UsageRow r : more) {
      rows.merge(r.key(), r, UsageRow::plus);
    }
    return this;
  }

  /** Only the rows the query asks for. */
  public UsageReport add(Collection<UsageRow> more, UsageQuery query) {
    return add(more.stream().filter(query::matches).toList());
  }

  /** Ordered by day, client key, model. */
  public List<UsageRow> rows() {
    return List.copyOf(rows.values());
  }

  public JsonObject totals() {
    long requests = 0;
    long in = 0;
    long out = 0;
    long errors = 0;
    for (UsageRow r : rows.values()) {
      requests += r.requests();
      in += r.tokensIn();
      out += r.tokensOut();
      errors += r.errors();
    }
    return new JsonObject().put("requests", requests).put("tokens_in", in).put("tokens_out", out)
        .put("errors", errors);
  }

  public JsonArray rowsJson() {
    JsonArray out = new JsonArray();
    rows.values().forEach(r -> out.add(r.toJson()));
    return out;
  }

  public static List<UsageRow> rowsFromJson(JsonArray rows) {
    return rows.stream().map(o -> UsageRow.fromJson((JsonObject) o)).toList();
  }
}
