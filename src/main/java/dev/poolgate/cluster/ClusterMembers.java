package dev.poolgate.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.poolgate.ledger.LocalSlotLedger;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What {@code GET /cluster/members} shows: every member of the cluster as this node sees it (a
 * standalone node: itself alone). Hazelcast knows each member's address, uuid and whether it is
 * a lite member; which members run a gateway, where they serve HTTP and since when, each gateway
 * records itself in the map {@value #MAP} (keyed by member uuid) when it starts and removes when
 * it shuts down. Entries of members that are gone (crashed) are ignored and purged when listed.
 */
public final class ClusterMembers {
  /** Gateway members by Hazelcast member uuid: {"http": host:port or null, "started_at": ISO instant}. */
  public static final String MAP = "poolgate-nodes";

  private ClusterMembers() {
  }

  /** Records this member as a running gateway. */
  public static Future<Void> register(Vertx vertx, HazelcastInstance hz, String http, Instant startedAt) {
    String entry = new JsonObject().put("http", http).put("started_at", startedAt.toString()).encode();
    return Future.fromCompletionStage(map(hz).putAsync(hz.getCluster().getLocalMember().getUuid(), entry),
        vertx.getOrCreateContext()).mapEmpty();
  }

  /** Removes this member's entry (it stops serving). */
  public static Future<Void> unregister(Vertx vertx, HazelcastInstance hz) {
    return Future.fromCompletionStage(map(hz).removeAsync(hz.getCluster().getLocalMember().getUuid()),
        vertx.getOrCreateContext()).mapEmpty();
  }

  /** The members of the cluster this node is in; a standalone node when {@code hz} is null. */
  public static Future<JsonObject> list(Vertx vertx, HazelcastInstance hz, String http, Instant startedAt) {
    Instant now = Instant.now();
    if (hz == null) {
      return Future.succeededFuture(standalone(http, startedAt, now));
    }
    List<Member> members = List.copyOf(hz.getCluster().getMembers());
    Set<UUID> uuids = new HashSet<>();
    members.forEach(m -> uuids.add(m.getUuid()));
    IMap<UUID, String> gateways = map(hz);
    // the map's getAll is blocking (no async variant): off the event loop
    return vertx.executeBlocking(() -> {
      Map<UUID, String> found = gateways.getAll(uuids);
      gateways.keySet().stream().filter(k -> !uuids.contains(k)).forEach(gateways::removeAsync);
      return found;
    }).map(found -> {
      JsonArray list = new JsonArray();
      members.stream().sorted(Comparator.comparing(m -> m.getAddress().toString()))
          .forEach(m -> list.add(member(m.getAddress().getHost() + ":" + m.getAddress().getPort(),
              m.getUuid().toString(), m.localMember(), m.isLiteMember(), m.getVersion().toString(),
              found.get(m.getUuid()) == null ? null : new JsonObject(found.get(m.getUuid())), now)));
      return new JsonObject().put("mode", "cluster").put("cluster_name", hz.getConfig().getClusterName())
          .put("size", members.size()).put("members", list);
    });
  }

  /** A standalone node: one member, itself, serving HTTP since it started. */
  static JsonObject standalone(String http, Instant startedAt, Instant now) {
    JsonObject gateway = new JsonObject().put("http", http).put("started_at", startedAt.toString());
    return new JsonObject().put("mode", "standalone").put("cluster_name", null).put("size", 1)
        .put("members", new JsonArray().add(member(null, LocalSlotLedger.NODE_ID, true, false, null, gateway, now)));
  }

  /**
   * One member's entry.
   *
   * @param gateway its record in {@value #MAP}, or null when it runs no gateway (or has not
   *                recorded itself yet)
   */
  static JsonObject member(String address, String uuid, boolean thisNode, boolean lite, String version,
                           JsonObject gateway, Instant now) {
    JsonObject m = new JsonObject().put("address", address).put("uuid", uuid).put("this_node", thisNode)
        .put("gateway", gateway != null).put("lite_member", lite).put("version", version)
        .put("http", gateway == null ? null : gateway.getString("http"));
    Instant started = gateway == null || gateway.getString("started_at") == null ? null
        : Instant.parse(gateway.getString("started_at"));
    return m.put("started_at", started == null ? null : started.toString())
        .put("uptime_s", started == null ? null : Math.max(0, Duration.between(started, now).toSeconds()));
  }

  private static IMap<UUID, String> map(HazelcastInstance hz) {
    return hz.getMap(MAP);
  }
}
