package dev.poolgate.usage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The store on a real PostgreSQL (the shared-database option), in a container; skipped where
 * there is no Docker.
 */
@Testcontainers(disabledWithoutDocker = true)
class PostgresUsageStoreTest extends JdbcUsageStoreContractTest {
  private static final String PASSWORD = "poolgate-test";
  private static GenericContainer<?> postgres;

  @BeforeAll
  static void start() {
    postgres = new GenericContainer<>("postgres:16-alpine")
        .withEnv("POSTGRES_PASSWORD", PASSWORD)
        .withExposedPorts(5432)
        // the server restarts once after its initialisation: ready the second time
        .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\n", 2));
    postgres.start();
  }

  @AfterAll
  static void stop() {
    if (postgres != null) {
      postgres.stop();
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
    return "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/postgres";
  }

  @Override
  String user() {
    return "postgres";
  }

  @Override
  String password() {
    return PASSWORD;
  }
}
