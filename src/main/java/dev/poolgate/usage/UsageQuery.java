package dev.poolgate.usage;

import dev.poolgate.ErrorKind;
import io.vertx.core.json.JsonObject;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * Which usage rows to return: days {@code from}..{@code to} (inclusive, UTC), optionally one
 * client key and one model.
 */
public record UsageQuery(LocalDate from, LocalDate to, String clientKey, String model) {
  /** The longest range one query may span, so an answer stays bounded. */
  public static final int MAX_DAYS = 366;

  /**
   * Parses the parameters of {@code GET /admin/usage}; missing dates are today. A bad date, a
   * range backwards or longer than {@value #MAX_DAYS} days fails with a 400 naming the parameter.
   */
  public static UsageQuery parse(String from, String to, String clientKey, String model, LocalDate today) {
    LocalDate f = date("from", from, today);
    LocalDate t = date("to", to, today);
    if (t.isBefore(f)) {
      throw ErrorKind.BAD_REQUEST.exception("parameter 'to' (" + t + ") is before 'from' (" + f + ")");
    }
    if (ChronoUnit.DAYS.between(f, t) >= MAX_DAYS) {
      throw ErrorKind.BAD_REQUEST.exception("parameter 'to': at most " + MAX_DAYS + " days from 'from'");
    }
    return new UsageQuery(f, t, blankToNull(clientKey), blankToNull(model));
  }

  private static LocalDate date(String name, String value, LocalDate today) {
    if (value == null || value.isBlank()) {
      return today;
    }
    try {
      return LocalDate.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw ErrorKind.BAD_REQUEST.exception("parameter '" + name + "' must be a date YYYY-MM-DD, got '" + value + "'");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  public boolean matches(UsageRow row) {
    return !row.day().isBefore(from) && !row.day().isAfter(to)
        && (clientKey == null || clientKey.equals(row.clientKey()))
        && (model == null || model.equals(row.model()));
  }

  public JsonObject toJson() {
    return new JsonObject().put("from", from.toString()).put("to", to.toString()).put("key", clientKey)
        .put("model", model);
  }

  public static UsageQuery fromJson(JsonObject j) {
    return new UsageQuery(LocalDate.parse(j.getString("from")), LocalDate.parse(j.getString("to")),
        j.getString("key"), j.getString("model"));
  }
}
