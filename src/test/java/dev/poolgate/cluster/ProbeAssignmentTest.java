package dev.poolgate.cluster;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeAssignmentTest {

  @Test
  void eachInstanceHasOneOwnerAndOnlyADeadMembersInstancesMove() {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      members.add(UUID.randomUUID().toString());
    }
    Map<String, String> before = new HashMap<>();
    Map<String, Integer> load = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      String owner = ProbeAssignment.owner(members, "instance-" + i);
      before.put("instance-" + i, owner);
      load.merge(owner, 1, Integer::sum);
      assertEquals(owner, ProbeAssignment.owner(List.of(members.get(2), members.get(0), members.get(1)),
          "instance-" + i), "the owner depends on the order of the member list");
    }
    load.values().forEach(n -> assertTrue(n > 50, "unbalanced assignment: " + load));
    String dead = members.remove(1);
    before.forEach((instance, owner) -> {
      String after = ProbeAssignment.owner(members, instance);
      if (!owner.equals(dead)) {
        assertEquals(owner, after, instance + " moved although its member lives");
      }
    });
  }
}
