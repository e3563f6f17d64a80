package dev.poolgate.ledger;

import dev.poolgate.scheduling.AllotmentAnswer;
import dev.poolgate.scheduling.AllotmentSync;
import dev.poolgate.scheduling.Drained;
import dev.poolgate.scheduling.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's side of allotments, without a store: what it uses, reports, asks for and gives back. */
class NodeAllotmentsTest {
  private final NodeAllotments book = new NodeAllotments("n1", 32);

  private static AllotmentAnswer answer(Map<String, Integer> units, boolean contended, String... lost) {
    return new AllotmentAnswer(units, units.keySet(), List.of(lost), contended, new Drained(List.of(), Drained.NEVER));
  }

  private void hold(int units) {
    assertTrue(book.miss("p"));
    AllotmentSync s = book.beginSync("p", false);
    assertEquals(1 + NodeAllotments.MIN_SPARE, s.grow(), "a first miss asks for what it missed and a spare");
    book.apply("p", answer(Map.of("a", units), false));
  }

  @Test
  void takesUnitsUntilNoneIsFreeAndNeverMoreThanHeld() {
    hold(2);
    assertEquals("a", book.take("p", Set.of()));
    assertEquals("a", book.take("p", Set.of()));
    assertNull(book.take("p", Set.of()), "two units, two requests");
    assertNull(book.take("other", Set.of()));
  }

  @Test
  void excludedInstancesAndContendedPoolsTakeNothing() {
    hold(3);
    assertNull(book.take("p", Set.of("a")));
    book.contended("p");
    assertNull(book.take("p", Set.of()));
  }

  @Test
  void successesAreBatchedInOrderAndAFailureAsksForASyncAtOnce() {
    hold(4);
    String a = book.take("p", Set.of());
    book.take("p", Set.of());
    book.take("p", Set.of());
    assertFalse(book.give("p", a, Outcome.SUCCESS, null, 10));
    assertFalse(book.give("p", a, Outcome.SUCCESS, null, 20));
    assertTrue(book.give("p", a, Outcome.FAILURE, "502", -1));
    AllotmentSync s = book.beginSync("p", false);
    AllotmentSync.Entry e = s.instances().get(0);
    assertEquals(List.of(new AllotmentSync.OutcomeRun(Outcome.SUCCESS, 2, null),
        new AllotmentSync.OutcomeRun(Outcome.FAILURE, 1, "502")), e.outcomes());
    assertEquals(30, e.ttfbSumMs());
    assertEquals(2, e.ttfbCount());
  }

  @Test
  void givingBackLowersWhatMayBeUsedBeforeTheStoreAnswers() {
    hold(10);
    String a = book.take("p", Set.of());
    book.give("p", a, Outcome.SUCCESS, null, 5);
    // one sync saw a peak of 1; the next, with nothing used since, gives everything back
    book.apply("p", answer(Map.of("a", 10), false));
    AllotmentSync first = book.beginSync("p", false);
    book.apply("p", answer(Map.of("a", first.instances().get(0).target()), false));
    AllotmentSync idle = book.beginSync("p", false);
    assertEquals(0, idle.instances().get(0).target());
    assertNull(book.take("p", Set.of()), "units being given back are not used meanwhile");
  }

  @Test
  void aContendedPoolGivesBackEveryIdleUnitAndAsksForNone() {
    hold(6);
    book.take("p", Set.of());
    book.contended("p");
    AllotmentSync s = book.beginSync("p", false);
    assertEquals(1, s.instances().get(0).target());
    assertEquals(0, s.grow());
  }

  @Test
  void onlyOneSyncAtATimeAndOneAskedMeanwhileFollows() {
    hold(2);
    book.take("p", Set.of());
    assertTrue(book.beginSync("p", false) != null);
    assertNull(book.beginSync("p", false));
    assertTrue(book.apply("p", answer(Map.of("a", 2), false)).resyncNow());
  }

  @Test
  void lostUnitsAreDroppedAndNamed() {
    hold(3);
    book.take("p", Set.of());
    book.beginSync("p", false);
    NodeAllotments.Applied applied = book.apply("p", answer(Map.of(), false, "a"));
    assertEquals(List.of("a"), applied.lostInstances());
    assertNull(book.take("p", Set.of()));
    assertEquals(0, book.view().get("p")[1]);
  }
}
