package dev.poolgate.keys;

import java.util.List;

class LocalKeyLimiterTest extends KeyLimiterContractTest {
  private final LocalKeyLimiter limiter = new LocalKeyLimiter();

  @Override
  protected List<LocalKeyLimiter> limiters() {
    return List.of(limiter);
  }
}
