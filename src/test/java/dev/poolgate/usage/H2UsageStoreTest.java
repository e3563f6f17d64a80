package dev.poolgate.usage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store on an embedded H2 file database (the default) in a temporary directory. */
class H2UsageStoreTest extends JdbcUsageStoreContractTest {
  @TempDir
  Path dir;

  @Override
  String url() {
    return "jdbc:h2:file:" + dir.resolve("nested/usage");
  }

  @Test
  void theDatabasesDirectoryIsCreated() throws SQLException {
    try (JdbcUsageStore store = store()) {
      store.open();
    }
    assertTrue(Files.isDirectory(dir.resolve("nested")));
  }

  @Test
  void anUnreachableDatabaseFailsWithAnSqlException() throws Exception {
    Files.writeString(dir.resolve("blocker"), "a file where the database's directory should be");
    try (JdbcUsageStore store = new JdbcUsageStore("jdbc:h2:file:" + dir.resolve("blocker/usage"), null, null)) {
      assertThrows(SQLException.class, () -> store.add(List.of(new UsageRow(DAY, "a", "m", 1, 0, 0, 0))));
    }
  }

  @Test
  void urlsAreLoggedWithoutTheirParameters() {
    assertEquals("jdbc:postgresql://db/usage", JdbcUsageStore.withoutParameters("jdbc:postgresql://db/usage?password=s3"));
    assertEquals("jdbc:h2:file:./x", JdbcUsageStore.withoutParameters("jdbc:h2:file:./x;PASSWORD=s3?y"));
  }

  @Test
  void h2IsKeptOpenUntilTheStoreClosesIt() {
    assertEquals("jdbc:h2:file:./x;DB_CLOSE_ON_EXIT=FALSE", JdbcUsageStore.embeddedSafe("jdbc:h2:file:./x"));
    assertEquals("jdbc:h2:mem:x;db_close_on_exit=true",
        JdbcUsageStore.embeddedSafe("jdbc:h2:mem:x;db_close_on_exit=true"));
    assertEquals("jdbc:postgresql://db/usage", JdbcUsageStore.embeddedSafe("jdbc:postgresql://db/usage"));
  }}
