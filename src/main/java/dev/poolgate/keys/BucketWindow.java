package dev.poolgate.keys;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Amounts (requests, tokens) added over a sliding window made of fixed buckets: the window is
 * {@code buckets × bucketMs} long and slides a bucket at a time. Its size does not depend on the
 * limit, so a key with {@code max_rps: 100000} costs the same as one with 5.
 */
final class BucketWindow implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long bucketMs;
  private final long[] amounts;
  private final long[] slots;

  BucketWindow(int buckets, long bucketMs) {
    this.bucketMs = bucketMs;
    this.amounts = new long[buckets];
    this.slots = new long[buckets];
    Arrays.fill(slots, Long.MIN_VALUE);
  }

  void add(long now, long amount) {
    long slot = now / bucketMs;
    int i = (int) Math.floorMod(slot, (long) amounts.length);
    if (slots[i] != slot) {
      slots[i] = slot;
      amounts[i] = 0;
    }
    amounts[i] += amount;
  }

  long total(long now) {
    long slot = now / bucketMs;
    long sum = 0;
    for (int i = 0; i < amounts.length; i++) {
      if (live(slots[i], slot)) {
        sum += amounts[i];
      }
    }
    return sum;
  }

  /** How long until the window's total is under the limit (0 if it is). */
  long waitUnder(long now, long limit) {
    long total = total(now);
    if (total < limit) {
      return 0;
    }
    long slot = now / bucketMs;
    // oldest bucket first: each leaves the window a whole window after it began
    for (long s = slot - amounts.length + 1; s <= slot; s++) {
      int i = (int) Math.floorMod(s, (long) amounts.length);
      if (slots[i] == s) {
        total -= amounts[i];
        if (total < limit) {
          return (s + amounts.length) * bucketMs - now;
        }
      }
    }
    return (slot + amounts.length) * bucketMs - now;
  }

  private boolean live(long bucketSlot, long nowSlot) {
    return bucketSlot != Long.MIN_VALUE && bucketSlot > nowSlot - amounts.length && bucketSlot <= nowSlot;
  }
}
