package dev.poolgate.config;

import java.util.Set;

/**
 * Usage records: per client key, model and day, in a JDBC database.
 *
 * @param enabled  record usage at all
 * @param jdbcUrl  the database; default an embedded H2 file under {@code ./data}
 * @param user     database user (PostgreSQL etc.), or null
 * @param password database password, or null
 * @param flushMs  how often the batched counts are written
 * @param shared   every node writes to and reads from this one database (e.g. PostgreSQL): usage
 *                 queries read it directly instead of asking each node for its share
 */
public record UsageConfig(boolean enabled, String jdbcUrl, String user, String password, long flushMs,
                          boolean shared) {
  public static final String DEFAULT_JDBC_URL = "jdbc:h2:file:./data/poolgate-usage";
  public static final long DEFAULT_FLUSH_MS = 1_000;

  static UsageConfig from(Fields f) {
    f.only(Set.of("enabled", "jdbc_url", "user", "password", "flush_ms", "shared"));
    String url = f.string("jdbc_url", DEFAULT_JDBC_URL);
    if (!url.startsWith("jdbc:")) {
      throw new ConfigException(f.key("jdbc_url"), "must be a JDBC URL (jdbc:h2:..., jdbc:postgresql:...), got '"
          + url + "'");
    }
    return new UsageConfig(f.bool("enabled", true), url, f.string("user", null), f.string("password", null),
        f.number("flush_ms", DEFAULT_FLUSH_MS, 50, 60_000), f.bool("shared", false));
  }
}
