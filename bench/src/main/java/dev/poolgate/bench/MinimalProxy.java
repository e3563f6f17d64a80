package dev.poolgate.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Set;

/**
 * The baseline the gateway is compared with: Vert.x HttpServer to HttpClient with a keep-alive pool and nothing
 * else (no parsing, scheduling, accounting or metrics), in the shape of the vert.x core-examples http/proxy/Proxy.
 * Whatever poolgate costs beyond this is the price of its own logic.
 *
 * <p>Usage: {@code MinimalProxy --port 18081 --target-port 19001 [--target-host 127.0.0.1] [--instances N]}
 */
public final class MinimalProxy extends AbstractVerticle {
  /** Hop-by-hop headers (RFC 9110 7.6.1) describe one connection; Vert.x sets its own for the next hop. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "trailer", "upgrade", "host");

  private final int port;
  private final String targetHost;
  private final int targetPort;
  private final int poolSize;
  private HttpClient client;

  MinimalProxy(int port, String targetHost, int targetPort, int poolSize) {
    this.port = port;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.poolSize = poolSize;
  }

  @Override
  public void start(Promise<Void> started) {
    // One client per verticle instance, so each event loop keeps its own keep-alive connections to the target.
    client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
            .setDefaultHost(targetHost).setDefaultPort(targetPort),
        new PoolOptions().setHttp1MaxSize(poolSize));
    vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setAcceptBacklog(16384))
        .requestHandler(this::proxy)
        .listen(port, "127.0.0.1")
        .<Void>mapEmpty()
        .onComplete(started);
  }

  private void proxy(HttpServerRequest req) {
    req.pause(); // body chunks must wait until the upstream request exists, or they would be dropped
    HttpServerResponse resp = req.response();
    RequestOptions opts = new RequestOptions().setMethod(req.method()).setURI(req.uri())
        .setHeaders(endToEnd(req.headers()));
    client.request(opts)
        .compose(upstreamReq -> upstreamReq.send(req))
        .onSuccess(upstreamResp -> {
          // Client gone mid-stream: drop the upstream exchange too, or the pipe keeps writing to a closed response.
          resp.closeHandler(v -> upstreamResp.request().reset());
          resp.setStatusCode(upstreamResp.statusCode());
          resp.headers().addAll(endToEnd(upstreamResp.headers()));
          resp.send(upstreamResp); // pipes with back-pressure; chunked when upstream sent no Content-Length
        })
        .onFailure(err -> {
          if (!resp.headWritten()) {
            resp.setStatusCode(502).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain").end("bad gateway");
          } else {
            resp.reset();
          }
        });
  }

  private static MultiMap endToEnd(MultiMap in) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    in.forEach((k, v) -> {
      if (!HOP_BY_HOP.contains(k.toLowerCase())) {
        out.add(k, v);
      }
    });
    return out;
  }

  public static void main(String[] argv) {
    Args a = new Args(argv);
    int port = a.integer("port", 18081);
    String targetHost = a.str("target-host", "127.0.0.1");
    int targetPort = a.integer("target-port", 19001);
    int instances = a.integer("instances", Runtime.getRuntime().availableProcessors());
    int poolSize = a.integer("pool-size", 1024);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new MinimalProxy(port, targetHost, targetPort, poolSize),
            new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.printf("MinimalProxy 127.0.0.1:%d -> %s:%d (instances=%d pool=%d)%n",
            port, targetHost, targetPort, instances, poolSize))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
