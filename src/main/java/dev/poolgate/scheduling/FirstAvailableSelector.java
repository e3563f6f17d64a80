package dev.poolgate.scheduling;

import java.util.List;

/** The first eligible instance in config order: backups only take what the primary cannot. */
final class FirstAvailableSelector implements Selector {

  @Override
  public InstanceSlots select(List<InstanceSlots> candidates, Selection selection) {
    return candidates.get(0);
  }
}
