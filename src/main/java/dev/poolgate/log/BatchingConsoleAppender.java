package dev.poolgate.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The console appender (logback.xml): the event loops hand each line to a bounded queue and never
 * wait; one writer thread encodes what has gathered and writes it to standard output in one write.
 *
 * <p>Why not Logback's AsyncAppender in front of its ConsoleAppender: with the access log on, that
 * pair costs a thread wake-up and a write system call per line, on a node serving thousands of
 * requests a second as much as the rest of a request's work. Here the writer, once woken, lingers
 * ({@code lingerMs}, {@value #DEFAULT_LINGER_MS} ms by default) before it drains, so under load a
 * wake-up and a write carry a batch of lines (and a producer finds no waiting writer to signal);
 * an idle node still prints a line within the linger time. The linger trades CPU for how soon a
 * line shows: each wake-up of the writer is a context switch on a core the event loops need. At
 * 500 requests a second a 5 ms linger woke it about 200 times a second, 36–42 us of the writer's
 * CPU per line on a 2-vCPU host; 20 ms took 16–20 us (docs/BENCHMARKS.md, sixth pass).
 *
 * <p>Under overload the same rule as before holds: when fewer than
 * {@code discardingThreshold} places are left, INFO and lower lines are dropped, and a full queue
 * drops any line rather than slow a request down.
 */
public final class BatchingConsoleAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  /** How long the writer lets lines gather once woken, unless the config says otherwise. */
  static final long DEFAULT_LINGER_MS = 20;
  /** Above this a line waits too long to be of use to someone watching the console. */
  static final long MAX_LINGER_MS = 1_000;
  /** Most lines encoded into one write. */
  private static final int MAX_BATCH = 1024;

  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 8192;
  private int discardingThreshold = 20;
  private long lingerMs = DEFAULT_LINGER_MS;
  private ArrayBlockingQueue<ILoggingEvent> queue;
  private Thread writer;
  private volatile boolean running;

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public void setDiscardingThreshold(int discardingThreshold) {
    this.discardingThreshold = discardingThreshold;
  }

  public void setLingerMs(long lingerMs) {
    this.lingerMs = lingerMs;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder for appender " + name);
      return;
    }
    if (queueSize < 1) {
      addError("queueSize must be at least 1, got " + queueSize);
      return;
    }
    if (lingerMs < 0 || lingerMs > MAX_LINGER_MS) {
      addError("lingerMs must be from 0 to " + MAX_LINGER_MS + ", got " + lingerMs);
      return;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    running = true;
    writer = new Thread(this::writeLoop, "poolgate-log-writer");
    writer.setDaemon(true);
    writer.start();
    super.start();
  }

  /** Writes out what is queued (at most a second's wait for the writer), then stops. */
  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    writer.interrupt();
    try {
      writer.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (queue.remainingCapacity() < discardingThreshold && event.getLevel().toInt() <= Level.INFO_INT) {
      return;
    }
    // what the line needs from the caller's thread (message, thread name, MDC) is taken now
    event.prepareForDeferredProcessing();
    queue.offer(event);
  }

  private void writeLoop() {
    List<ILoggingEvent> batch = new ArrayList<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    while (running || !queue.isEmpty()) {
      try {
        ILoggingEvent first = running ? queue.take() : queue.poll();
        if (first == null) {
          break;
        }
        batch.add(first);
        if (running && lingerMs > 0) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(lingerMs));
        }
      } catch (InterruptedException e) {
        // stop() wakes the writer: write what is left, then end
        continue;
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      write(batch, bytes);
      batch.clear();
    }
  }

  private void write(List<ILoggingEvent> batch, ByteArrayOutputStream bytes) {
    bytes.reset();
    for (ILoggingEvent event : batch) {
      try {
        bytes.writeBytes(encoder.encode(event));
      } catch (RuntimeException e) {
        addError("could not encode a log line", e);
      }
    }
    // System.out at each write: a test may have swapped it; its lock keeps whole batches together
    PrintStream out = System.out;
    try {
      bytes.writeTo(out);
    } catch (IOException e) {
      addError("could not write log lines", e);
    }
    out.flush();
  }
}
