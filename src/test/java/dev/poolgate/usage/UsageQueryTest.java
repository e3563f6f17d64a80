package dev.poolgate.usage;

import dev.poolgate.ErrorKind;
import dev.poolgate.GatewayException;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageQueryTest {
  static final LocalDate TODAY = LocalDate.of(2026, 3, 14);

  @Test
  void datesDefaultToToday() {
    assertEquals(new UsageQuery(TODAY, TODAY, null, null), UsageQuery.parse(null, "", null, " ", TODAY));
    assertEquals(new UsageQuery(LocalDate.of(2026, 1, 1), TODAY, "team-a", "gpt-4o"),
        UsageQuery.parse("2026-01-01", null, "team-a", "gpt-4o", TODAY));
  }

  @Test
  void badDatesNameTheParameter() {
    GatewayException from = assertThrows(GatewayException.class, () -> UsageQuery.parse("2026-13-01", null, null,
        null, TODAY));
    assertEquals(ErrorKind.BAD_REQUEST, from.kind());
    assertTrue(from.getMessage().contains("'from'"), from.getMessage());
    GatewayException to = assertThrows(GatewayException.class, () -> UsageQuery.parse(null, "yesterday", null, null,
        TODAY));
    assertTrue(to.getMessage().contains("'to'"), to.getMessage());
    GatewayException backwards = assertThrows(GatewayException.class, () -> UsageQuery.parse("2026-03-15",
        "2026-03-14", null, null, TODAY));
    assertTrue(backwards.getMessage().contains("'to'"), backwards.getMessage());
    assertThrows(GatewayException.class, () -> UsageQuery.parse("2024-01-01", "2026-01-01", null, null, TODAY));
  }

  @Test
  void matchesDaysInclusiveKeyAndModel() {
    UsageQuery q = new UsageQuery(TODAY.minusDays(1), TODAY, "k", null);
    assertTrue(q.matches(new UsageRow(TODAY.minusDays(1), "k", "any", 1, 0, 0, 0)));
    assertTrue(q.matches(new UsageRow(TODAY, "k", "other", 1, 0, 0, 0)));
    assertFalse(q.matches(new UsageRow(TODAY.plusDays(1), "k", "any", 1, 0, 0, 0)));
    assertFalse(q.matches(new UsageRow(TODAY, "k2", "any", 1, 0, 0, 0)));
    assertEquals(q, UsageQuery.fromJson(q.toJson()));
  }
}
