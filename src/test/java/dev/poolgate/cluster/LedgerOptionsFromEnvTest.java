package dev.poolgate.cluster;

import dev.poolgate.config.ConfigException;
import dev.poolgate.ledger.LedgerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POOLGATE_HZ_ALLOT_MIN_CAP (here as the system property of the same name) sets the allotment threshold. */
class LedgerOptionsFromEnvTest {

  @AfterEach
  void clear() {
    System.clearProperty(ClusterConfig.ALLOT_MIN_CAP);
  }

  @Test
  void unsetKeepsTheDefault() {
    assertEquals(LedgerOptions.DEFAULT_ALLOT_MIN_CAP, ClusterConfig.ledgerOptions().allotMinCap());
  }

  @Test
  void zeroTurnsAllotmentsOffAndANumberMovesTheThreshold() {
    System.setProperty(ClusterConfig.ALLOT_MIN_CAP, "0");
    assertEquals(0, ClusterConfig.ledgerOptions().allotMinCap());
    System.setProperty(ClusterConfig.ALLOT_MIN_CAP, "100");
    LedgerOptions options = ClusterConfig.ledgerOptions();
    assertEquals(100, options.allotMinCap());
    assertEquals(LedgerOptions.DEFAULT.leaseTtlMs(), options.leaseTtlMs());
  }

  @Test
  void anythingElseIsAnErrorNamingTheVariable() {
    System.setProperty(ClusterConfig.ALLOT_MIN_CAP, "-1");
    ConfigException e = assertThrows(ConfigException.class, ClusterConfig::ledgerOptions);
    assertTrue(e.getMessage().contains(ClusterConfig.ALLOT_MIN_CAP), e.getMessage());
    System.setProperty(ClusterConfig.ALLOT_MIN_CAP, "lots");
    assertThrows(ConfigException.class, ClusterConfig::ledgerOptions);
  }
}
