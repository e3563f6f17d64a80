package dev.poolgate.console;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Runs the node's {@link ConsoleHub} on a context of its own: its ticker and its series address. */
public final class ConsoleVerticle extends VerticleBase {
  private final ConsoleHub hub;

  public ConsoleVerticle(ConsoleHub hub) {
    this.hub = hub;
  }

  @Override
  public Future<?> start() {
    return hub.start();
  }

  @Override
  public Future<?> stop() {
    return hub.stop();
  }
}
