package dev.poolgate.cluster;

import dev.poolgate.testing.FakeOpenAi;

import com.hazelcast.partition.Partition;
import dev.poolgate.ledger.LedgerOptions;
import dev.poolgate.scheduling.PoolSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.poolgate.cluster.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node dies hard while it holds slots and has tickets queued — and it owns the pool's entry, so
 * the survivors go on from the backup replica. Its slots must come back by failure detection, not
 * by lease expiry (30 s here), and the survivors' requests must all be served.
 */
class ClusterFailoverTest {
  private Vertx client;
  private FakeOpenAi upstream;
  private List<ClusterNode.Member> members;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  @BeforeEach
  void start() {
    client = Vertx.vertx();
    upstream = await(FakeOpenAi.start(client)).latency(300);
    int upstreamPort = upstream.port();
    members = TestCluster.start(3);
    for (ClusterNode.Member m : members) {
      int port = TestCluster.freePort();
      ports.add(port);
      nodes.add(await(ClusterNode.start(m, ClusterGatewayTest.config(port, upstreamPort), LedgerOptions.DEFAULT)));
    }
  }

  @AfterEach
  void stop() {
    TestCluster.stop(members);
    await(client.close());
  }

  @Test
  void killedNodesSlotsAndTicketsAreReclaimed() {
    // the victim owns the partition of the "chat" entry: survivors must carry on from the backup
    Partition partition = members.get(0).hz().getPartitionService().getPartition("chat");
    int victim = 0;
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).hz().getCluster().getLocalMember().getUuid().equals(partition.getOwner().getUuid())) {
        victim = i;
      }
    }
    WebClient web = WebClient.create(client, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(100));
    // the victim takes every slot and queues more
    List<Future<HttpResponse<Buffer>>> doomed = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      doomed.add(ClusterGatewayTest.chat(web, ports.get(victim)));
    }
    ClusterGatewayTest.eventually(() -> upstream.inFlight() == ClusterGatewayTest.CAP);
    ClusterNode survivorNode = nodes.get((victim + 1) % 3);
    ClusterGatewayTest.eventually(() -> pool(survivorNode).queued() == 4);
    // survivors' requests queue behind them
    List<Future<HttpResponse<Buffer>>> survivors = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      survivors.add(ClusterGatewayTest.chat(web, ports.get((victim + 1 + i % 2) % 3)));
    }
    ClusterGatewayTest.eventually(() -> pool(survivorNode).queued() == 20);
    assertEquals(ClusterGatewayTest.CAP, pool(survivorNode).inFlight());

    long killedAt = System.currentTimeMillis();
    TestCluster.kill(members.get(victim));

    await(Future.join(survivors));
    long servedIn = System.currentTimeMillis() - killedAt;
    for (Future<HttpResponse<Buffer>> r : survivors) {
      assertTrue(r.succeeded(), "survivor's request failed: " + r.cause());
      assertEquals(200, r.result().statusCode(), r.result().bodyAsString());
    }
    // 16 requests at 4 a time take ~1.2 s once the slots are back; lease expiry would take 30 s
    long bound = TestCluster.MAX_NO_HEARTBEAT_SECONDS * 1000L + 1_200 + 6_000;
    assertTrue(servedIn < bound, "survivors were served only after " + servedIn + " ms");
    ClusterGatewayTest.eventually(() -> {
      PoolSnapshot p = pool(survivorNode);
      return p.inFlight() == 0 && p.queued() == 0 && p.unclaimedGrants() == 0;
    });
    await(Future.join(doomed).otherwiseEmpty());
    members.remove(victim);
  }

  private static PoolSnapshot pool(ClusterNode node) {
    return ClusterGatewayTest.pool(node.ledger(), "chat");
  }
}
