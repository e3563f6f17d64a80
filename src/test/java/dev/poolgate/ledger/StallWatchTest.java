package dev.poolgate.ledger;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StallWatchTest {

  @Test
  void onlyAGapOfAtLeastTheThresholdIsAStall() {
    StallWatch watch = new StallWatch(2_000, 10_000);
    assertEquals(0, watch.tick(10_200), "a normal tick");
    assertEquals(0, watch.tick(12_199), "just under the threshold");
    assertEquals(6_000, watch.tick(18_199), "the process stood still for 6 s");
    assertEquals(0, watch.tick(18_400), "the next tick after the stall is normal again");
    assertEquals(2_000, watch.tick(20_400), "exactly the threshold");
  }
}
