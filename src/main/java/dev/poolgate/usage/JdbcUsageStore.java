package dev.poolgate.usage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code usage_daily} table over plain JDBC: H2 embedded by default, PostgreSQL (or any
 * database with standard SQL) when several nodes share one. Blocking and not thread-safe: one
 * worker thread owns it. The connection is opened on first use and opened again after it broke,
 * so a database that was down is picked up when it is back.
 *
 * <p>A batch is added in one transaction as UPDATE (add to the row) and, for rows not there yet,
 * INSERT — the same SQL on every database. {@code day} is a keyword in H2, so it is always quoted
 * (in lower case, which is also what PostgreSQL folds it to). If two nodes insert the same new row at once, one
 * transaction fails on the primary key and rolls back whole; its batch is retried and then
 * updates. So a batch is counted once or not at all.
 */
public final class JdbcUsageStore implements AutoCloseable {
  public static final String TABLE = "usage_daily";
  static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + " (\"day\" DATE NOT NULL, "
      + "client_key VARCHAR NOT NULL, model VARCHAR NOT NULL, requests BIGINT NOT NULL, "
      + "tokens_in BIGINT NOT NULL, tokens_out BIGINT NOT NULL, errors BIGINT NOT NULL, "
      + "PRIMARY KEY (\"day\", client_key, model))";
  private static final String UPDATE = "UPDATE " + TABLE + " SET requests = requests + ?, "
      + "tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, errors = errors + ? "
      + "WHERE \"day\" = ? AND client_key = ? AND model = ?";
  private static final String INSERT = "INSERT INTO " + TABLE
      + " (\"day\", client_key, model, requests, tokens_in, tokens_out, errors) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String SELECT = "SELECT \"day\", client_key, model, requests, tokens_in, tokens_out, errors"
      + " FROM " + TABLE + " WHERE \"day\" >= ? AND \"day\" <= ?";

  private final String url;
  private final String user;
  private final String password;
  private Connection connection;

  public JdbcUsageStore(String url, String user, String password) {
    this.url = embeddedSafe(url);
    this.user = user;
    this.password = password;
  }

  /**
   * H2 closes an embedded database from its own JVM shutdown hook, which may run before ours has
   * written the last counts on SIGTERM; the store closes it itself (closing its connection).
   */
  static String embeddedSafe(String url) {
    if (url.startsWith("jdbc:h2:") && !url.toUpperCase().contains("DB_CLOSE_ON_EXIT")) {
      return url + ";DB_CLOSE_ON_EXIT=FALSE";
    }
    return url;
  }

  /** The URL fit for a log line: its parameters (which may hold a password) cut off. */
  public static String withoutParameters(String url) {
    int cut = url.length();
    for (char c : new char[] {'?', ';'}) {
      int i = url.indexOf(c);
      if (i >= 0) {
        cut = Math.min(cut, i);
      }
    }
    return url.substring(0, cut);
  }

  /** Opens the connection (and creates the table) if it is not open. */
  public void open() throws SQLException {
    if (connection != null) {
      return;
    }
    Connection c = DriverManager.getConnection(url, user, password);
    try {
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute(CREATE);
      }
      c.setAutoCommit(false);
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
    connection = c;
  }

  /**
   * Adds every row's counts to the table, all or nothing. Rows are written in key order, so two
   * nodes writing overlapping batches lock rows in the same order and cannot deadlock.
   */
  public void add(List<UsageRow> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    List<UsageRow> batch = rows.stream().sorted(java.util.Comparator.comparing(UsageRow::key)).toList();
    run(c -> {
      int[] updated;
      try (PreparedStatement update = c.prepareStatement(UPDATE)) {
        for (UsageRow r : batch) {
          update.setLong(1, r.requests());
          update.setLong(2, r.tokensIn());
          update.setLong(3, r.tokensOut());
          update.setLong(4, r.errors());
          update.setObject(5, r.day());
          update.setString(6, r.clientKey());
          update.setString(7, r.model());
          update.addBatch();
        }
        updated = update.executeBatch();
      }
      List<UsageRow> missing = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        if (updated[i] == 0) {
          missing.add(batch.get(i));
        }
      }
      if (!missing.isEmpty()) {
        try (PreparedStatement insert = c.prepareStatement(INSERT)) {
          for (UsageRow r : missing) {
            insert.setObject(1, r.day());
            insert.setString(2, r.clientKey());
            insert.setString(3, r.model());
            insert.setLong(4, r.requests());
            insert.setLong(5, r.tokensIn());
            insert.setLong(6, r.tokensOut());
            insert.setLong(7, r.errors());
            insert.addBatch();
          }
          insert.executeBatch();
        }
      }
      return null;
    });
  }

  /** The rows of the query's days, key and model, ordered by day, key, model. */
  public List<UsageRow> query(UsageQuery q) throws SQLException {
    String sql = SELECT + (q.clientKey() == null ? "" : " AND client_key = ?")
        + (q.model() == null ? "" : " AND model = ?")
        + " ORDER BY \"day\", client_key, model";
    return run(c -> {
      try (PreparedStatement select = c.prepareStatement(sql)) {
        int i = 1;
        select.setObject(i++, q.from());
        select.setObject(i++, q.to());
        if (q.clientKey() != null) {
          select.setString(i++, q.clientKey());
        }
        if (q.model() != null) {
          select.setString(i, q.model());
        }
        List<UsageRow> rows = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            rows.add(new UsageRow(rs.getObject(1, LocalDate.class), rs.getString(2), rs.getString(3), rs.getLong(4),
                rs.getLong(5), rs.getLong(6), rs.getLong(7)));
          }
        }
        return rows;
      }
    });
  }

  @Override
  public void close() {
    if (connection != null) {
      closeQuietly(connection);
      connection = null;
    }
  }

  private interface Work<T> {
    T on(Connection c) throws SQLException;
  }

  /**
   * One transaction: committed, or rolled back; a connection that broke is dropped and opened
   * again next time.
   */
  private <T> T run(Work<T> work) throws SQLException {
    open();
    Connection c = connection;
    try {
      T result = work.on(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      if (!rolledBack(c)) {
        close();
      }
      throw e;
    }
  }

  /** Whether the transaction was rolled back on a connection still good for the next one. */
  private static boolean rolledBack(Connection c) {
    try {
      c.rollback();
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // nothing more to do with a connection that cannot even close
    }
  }
}
