package dev.poolgate.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster's members as the console shows them: each current member with what it said of
 * itself (HTTP address, start time) when it last answered, and members that left, kept as gone
 * (the last {@value #MAX_GONE}) so an operator sees that a node departed and when.
 */
public final class MemberRoster {
  public static final int MAX_GONE = 16;

  /** What a member says of itself. */
  public record Info(String nodeId, String address, long startedAtMillis) {}

  /** A member as shown: live (answered or not this time) or gone since {@code leftAtMillis}. */
  public record Member(String nodeId, String address, long startedAtMillis, State state, long leftAtMillis) {
    public long uptimeMillis(long now) {
      return startedAtMillis <= 0 || state == State.GONE ? 0 : now - startedAtMillis;
    }
  }

  public enum State { UP, MISSING, GONE }

  private final Map<String, Info> known = new LinkedHashMap<>();
  private final Map<String, Member> gone = new LinkedHashMap<>();

  /**
   * The members now.
   *
   * @param current   the cluster manager's member ids
   * @param answered  what each member that answered said of itself
   */
  public synchronized List<Member> update(Set<String> current, Map<String, Info> answered, long now) {
    answered.forEach(known::put);
    // a member seen only while it never answered still leaves as gone
    current.forEach(id -> known.putIfAbsent(id, new Info(id, null, 0)));
    for (var it = known.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!current.contains(e.getKey())) {
        Info i = e.getValue();
        gone.put(i.nodeId(), new Member(i.nodeId(), i.address(), i.startedAtMillis(), State.GONE, now));
        it.remove();
      }
    }
    while (gone.size() > MAX_GONE) {
      gone.remove(gone.keySet().iterator().next());
    }
    List<Member> out = new ArrayList<>();
    for (String id : current) {
      gone.remove(id);
      Info i = known.get(id);
      State state = answered.containsKey(id) ? State.UP : State.MISSING;
      out.add(i == null ? new Member(id, null, 0, state, 0) : new Member(id, i.address(), i.startedAtMillis(), state, 0));
    }
    out.sort(java.util.Comparator.comparing(Member::nodeId));
    out.addAll(gone.values());
    return out;
  }
}
