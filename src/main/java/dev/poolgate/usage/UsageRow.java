package dev.poolgate.usage;

import io.vertx.core.json.JsonObject;

import java.time.LocalDate;

/**
 * The usage of one client key with one model on one day (UTC): requests, tokens and errors.
 * Rows with the same {@link Key} add up.
 */
public record UsageRow(LocalDate day, String clientKey, String model, long requests, long tokensIn, long tokensOut,
                       long errors) {

  /** What rows are summed by. */
  public record Key(LocalDate day, String clientKey, String model) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = day.compareTo(o.day);
      if (c == 0) {
        c = clientKey.compareTo(o.clientKey);
      }
      return c != 0 ? c : model.compareTo(o.model);
    }
  }

  public Key key() {
    return new Key(day, clientKey, model);
  }

  public static UsageRow of(Key key, long requests, long tokensIn, long tokensOut, long errors) {
    return new UsageRow(key.day(), key.clientKey(), key.model(), requests, tokensIn, tokensOut, errors);
  }

  /** This row plus another's counts (same key). */
  public UsageRow plus(UsageRow o) {
    return new UsageRow(day, clientKey, model, requests + o.requests, tokensIn + o.tokensIn, tokensOut + o.tokensOut,
        errors + o.errors);
  }

  public JsonObject toJson() {
    return new JsonObject().put("day", day.toString()).put("client_key", clientKey).put("model", model)
        .put("requests", requests).put("tokens_in", tokensIn).put("tokens_out", tokensOut).put("errors", errors);
  }

  public static UsageRow fromJson(JsonObject j) {
    return new UsageRow(LocalDate.parse(j.getString("day")), j.getString("client_key"), j.getString("model"),
        j.getLong("requests"), j.getLong("tokens_in"), j.getLong("tokens_out"), j.getLong("errors"));
  }
}
