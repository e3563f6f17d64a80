package dev.poolgate.cluster;

import dev.poolgate.Main;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A poolgate node in a JVM of its own ({@code java -cp <test class path> dev.poolgate.Main -c FILE
 * --cluster}) on 127.0.0.1, for what one JVM cannot show: a process frozen with SIGSTOP, killed
 * with SIGKILL, or started exactly as a deployment starts it (environment variables only). Its
 * output goes to a log file whose tail failures print. {@link #close()} always ends the process.
 */
public final class ChildNode implements AutoCloseable {
  /** Failure detection in child clusters, as in {@link TestCluster}. */
  public static final int MAX_NO_HEARTBEAT_SECONDS = TestCluster.MAX_NO_HEARTBEAT_SECONDS;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Process process;
  private final int httpPort;
  private final Path log;

  private ChildNode(String name, Process process, int httpPort, Path log) {
    this.name = name;
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /** The environment of a member of a loopback cluster: its ports, the join list, fast failure detection. */
  public static Map<String, String> clusterEnv(String cluster, int hzPort, List<Integer> hzPorts, int httpPort) {
    Map<String, String> env = new HashMap<>();
    env.put("POOLGATE_HZ_CLUSTER_NAME", cluster);
    env.put("POOLGATE_HZ_PORT", String.valueOf(hzPort));
    env.put("POOLGATE_HZ_INTERFACE", "127.0.0.1");
    env.put("POOLGATE_HZ_MEMBERS", String.join(",", hzPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
    env.put("POOLGATE_HZ_MAX_NO_HEARTBEAT_SECONDS", String.valueOf(MAX_NO_HEARTBEAT_SECONDS));
    env.put("POOLGATE_HZ_JOIN_WAIT_SECONDS", "1");
    env.put("POOLGATE_SERVER_PORT", String.valueOf(httpPort));
    // its own usage database, in memory: a child's working directory is the checkout
    env.put("POOLGATE_USAGE_JDBC_URL", "jdbc:h2:mem:child-usage-" + httpPort);
    return env;
  }

  /** Writes a gateway config (JSON is YAML) to a file in the directory. */
  public static Path writeConfig(Path dir, String name, JsonObject config) throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, config.encodePrettily());
    return file;
  }

  /**
   * Starts {@code Main -c config --cluster} with the environment (on top of this one's, minus any
   * POOLGATE_ variable of the test's own), serving HTTP on {@code httpPort}; does not wait.
   */
  public static ChildNode start(String name, Path config, Map<String, String> env, int httpPort, Path dir)
      throws IOException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
        "-Dhazelcast.phone.home.enabled=false",
        "-Dlogback.configurationFile=" + Path.of("src/main/resources/logback.xml").toAbsolutePath(),
        "-cp", classPath, Main.class.getName(), "-c", config.toAbsolutePath().toString(), "--cluster"));
    Path log = dir.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("POOLGATE_"));
    builder.environment().put("POOLGATE_CLUSTER_CONFIG", Path.of(ClusterConfig.DEFAULT_FILE).toAbsolutePath().toString());
    builder.environment().putAll(env);
    return new ChildNode(name, builder.start(), httpPort, log);
  }

  public long pid() {
    return process.pid();
  }

  public int httpPort() {
    return httpPort;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The status of {@code GET /health/ready}, or -1 when nothing answers (yet). */
  public int readiness() {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready")).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Waits until the readiness probe answers the status (bounded); fails with the log's tail. */
  public void awaitReadiness(int status, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    int last = -1;
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail());
      }
      last = readiness();
      if (last == status) {
        return;
      }
      pause(200);
    }
    throw new AssertionError(name + ": readiness " + last + ", not " + status + " after " + timeout.toSeconds()
        + " s:\n" + logTail());
  }

  /** POSTs a chat body; answers status and body ({@code -1} when the connection failed or was reset). */
  public Answer post(JsonObject body, Duration timeout) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/chat/completions"))
          .timeout(timeout).header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Answer(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, "interrupted");
    }
  }

  /** As {@link #post}, without waiting; a failed or reset connection answers {@code -1}. */
  public java.util.concurrent.CompletableFuture<Answer> postAsync(JsonObject body, Duration timeout) {
    return HTTP.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/chat/completions"))
            .timeout(timeout).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Answer(r.statusCode(), r.body()))
        .exceptionally(e -> new Answer(-1, e.toString()));
  }

  public record Answer(int status, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** Freezes the process (SIGSTOP): it answers nothing, heartbeats included, until {@link #resume()}. */
  public void freeze() {
    signal("STOP");
  }

  /** Lets a frozen process run again (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid())).inheritIO().start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + signal + " " + pid() + " failed");
      }
    } catch (IOException e) {
      throw new AssertionError("kill -" + signal + " " + pid() + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last lines of the node's output. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Whether the node's output has a line containing the text. */
  public boolean logged(String text) {
    try {
      return Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** Ends the process whatever its state (a frozen one is resumed first so that it can die). */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    try {
      signal("CONT");
    } catch (AssertionError ignored) {
      // gone meanwhile
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
