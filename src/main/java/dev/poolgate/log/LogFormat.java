package dev.poolgate.log;

import java.util.Locale;

/** How log lines are written: {@code POOLGATE_LOG_FORMAT}, any case; anything else is refused at start-up. */
public enum LogFormat {
  TEXT, JSON;

  public static final String VARIABLE = "POOLGATE_LOG_FORMAT";

  /** The format a value names (blank or absent: TEXT), or null when it names none. */
  public static LogFormat of(String value) {
    if (value == null || value.isBlank()) {
      return TEXT;
    }
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The start-up error for a value that names no format, or null when it is fine. */
  public static String problem(String value) {
    return of(value) != null ? null
        : VARIABLE + " must be TEXT or JSON (any case), got '" + value + "'";
  }
}
