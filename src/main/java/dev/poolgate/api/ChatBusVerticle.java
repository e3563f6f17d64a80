package dev.poolgate.api;

import dev.poolgate.Ids;
import dev.poolgate.GatewayException;
import dev.poolgate.NodeState;
import dev.poolgate.bus.Bus;
import dev.poolgate.config.GatewayConfig;
import dev.poolgate.dispatch.Dispatcher;
import dev.poolgate.dispatch.Job;
import dev.poolgate.dispatch.ReplySink;
import dev.poolgate.http.ApiErrors;
import dev.poolgate.http.RequestParser;
import dev.poolgate.provider.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;


/**
 * The event-bus chat API ({@link BusProtocol}): other Vert.x apps in the cluster send OpenAI chat
 * requests to {@value BusProtocol#ADDRESS} and get them served under the same caps, queue,
 * priorities and errors as HTTP callers.
 */
public final class ChatBusVerticle extends VerticleBase {
  private final NodeState node;
  private volatile GatewayConfig config;
  private Dispatcher dispatcher;
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<GatewayConfig> configConsumer;

  public ChatBusVerticle(GatewayConfig config, NodeState node) {
    this.config = config;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    dispatcher = new Dispatcher(vertx, () -> config, node.cache(), node.metrics(), node.usage(),
        node.liveRequests());
    configConsumer = vertx.eventBus().localConsumer(Bus.CONFIG_CHANGED, msg -> config = msg.body());
    // a cluster-wide consumer: requests from any app are spread over the gateway nodes
    consumer = vertx.eventBus().consumer(BusProtocol.ADDRESS, this::handle);
    return Future.all(configConsumer.completion(), consumer.completion());
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumer.unregister(), configConsumer.unregister());
  }

  private void handle(Message<JsonObject> msg) {
    Job job;
    try {
      if (node.draining()) {
        throw dev.poolgate.ErrorKind.SHUTTING_DOWN.exception("this node is shutting down; retry");
      }
      if (msg.body() == null) {
        throw dev.poolgate.ErrorKind.INVALID_JSON.exception("the message body must be a JSON chat request");
      }
      // the body is this message's own (the JSON codec copies on local delivery, decodes from remote
      // ones): parsed in place, not copied again
      job = RequestParser.parse(Ids.next(), Endpoint.CHAT, msg.body(), config.models(),
          msg.headers().get(BusProtocol.PRIORITY));
    } catch (GatewayException e) {
      msg.fail(e.kind().status(), ApiErrors.body(e.kind(), e.getMessage()).encode());
      return;
    }
    String to = msg.headers().get(BusProtocol.STREAM_TO);
    if (job.stream() && to == null) {
      var e = dev.poolgate.ErrorKind.BAD_REQUEST.exception("a stream needs the " + BusProtocol.STREAM_TO + " header");
      msg.fail(e.kind().status(), ApiErrors.body(e.kind(), e.getMessage()).encode());
      return;
    }
    Future<ReplySink> sink;
    if (job.stream()) {
      long credit = parseCredit(msg.headers().get(BusProtocol.CREDIT));
      BusStreamSink stream = new BusStreamSink(vertx, to, credit, BusProtocol.DEFAULT_STALL_TIMEOUT_MS);
      sink = stream.listen().map(v -> {
        msg.reply(new JsonObject().put("accepted", true).put("request_id", job.requestId()));
        return stream;
      });
    } else {
      sink = Future.succeededFuture(new BusReplySink(msg));
    }
    node.requestStarted();
    sink.compose(s -> dispatcher.dispatch(job, s, false, Dispatcher.traceOf(job, BusProtocol.ADDRESS))).onComplete(ar -> node.requestEnded());
  }

  private static long parseCredit(String header) {
    try {
      return header == null ? 16 : Math.max(1, Long.parseLong(header));
    } catch (NumberFormatException e) {
      return 16;
    }
  }
}
