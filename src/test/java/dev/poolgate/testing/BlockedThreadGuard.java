package dev.poolgate.testing;

import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxServiceProvider;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Puts Vert.x's blocked-thread checker on a short leash in every Vert.x the tests create —
 * directly, through the vertx-junit5 extension, as a cluster member (TestCluster) or inside the
 * code under test — since Vert.x loads this provider (META-INF/services) before it builds any
 * instance. {@link NoBlockedThreads} fails the test in which the checker warned.
 */
public final class BlockedThreadGuard implements VertxServiceProvider {
  /**
   * Longest an event-loop task may run: half of Vert.x's 2 s default. A real blocking call (a
   * synchronous Hazelcast operation, a JDBC query, a file read, a sleep, the JVM building its JFR
   * metadata) shows up as one task of a second or more; a handler costs a few ms. Not lower,
   * because the suite runs on a shared two-core machine: at 300 and 500 ms, runs saw warnings of
   * 334-689 ms in tests that block nothing (the stacks: Netty building a request, the checker's
   * own 100 ms ticks coming 200 ms apart) — the JVM starved of CPU, not blocked. A warning carries
   * the blocked stack, and surefire runs a failed test again: a block that is real fails again.
   */
  public static final long MAX_EVENT_LOOP_EXECUTE_MS = 1_000;
  /** How often the checker looks: a tenth of the limit, so a block is seen soon after it passes it. */
  public static final long CHECK_INTERVAL_MS = 100;

  private static final AtomicInteger CONFIGURED = new AtomicInteger();

  @Override
  public void init(VertxBootstrap builder) {
    VertxOptions options = builder.options();
    options.setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_EXECUTE_MS)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        // the warning carries the blocked thread's stack from the first one on: it says what blocked
        .setWarningExceptionTime(MAX_EVENT_LOOP_EXECUTE_MS)
        .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(CHECK_INTERVAL_MS)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
    CONFIGURED.incrementAndGet();
    warmUpNettyJfrEvents();
  }

  /**
   * Netty's pooled allocator registers its JFR event the first time it allocates a chunk, and the
   * JVM then builds its whole JFR metadata (~0.5 s, once per JVM) on that thread — an event loop.
   * That is start-up cost, not a blocking call of ours: it is paid here, on the thread building the
   * Vert.x, so the checker only sees what the code under test does.
   */
  private static void warmUpNettyJfrEvents() {
    try {
      Class.forName("io.netty.buffer.AllocateChunkEvent", true, BlockedThreadGuard.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError noJfrEvents) {
      // a Netty without JFR events (or a JVM without JFR): nothing to warm up
    }
  }

  /** How many Vert.x instances this JVM built with the short limit. */
  public static int configured() {
    return CONFIGURED.get();
  }
}
