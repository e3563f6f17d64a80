package dev.poolgate.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's load client, after LLM-Pools' test client: a fixed number of workers (20 by default)
 * send chat requests to a running poolgate until a request count or a time limit is reached, then
 * print the success rate, latency percentiles and the share each instance served (from the
 * {@code x-poolgate-instance} header). The models requested alternate, and so do the priorities
 * ({@code user_level} 0-10), so every pool and the queue's ordering take part.
 *
 * <p>{@code java -cp poolgate.jar dev.poolgate.demo.DemoClient --url http://127.0.0.1:8080
 * [--requests 200] [--concurrency 20] [--seconds 120] [--models gpt-4o,gpt-4o-mini]};
 * {@code --free-port} prints a free loopback port and exits (for {@code make demo}).
 */
public final class DemoClient {
  public static final int DEFAULT_REQUESTS = 200;
  public static final int DEFAULT_CONCURRENCY = 20;
  public static final long DEFAULT_SECONDS = 120;
  public static final List<String> DEFAULT_MODELS = List.of("gpt-4o", "gpt-4o-mini");
  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /** What to run. */
  public record Options(URI url, int requests, int concurrency, Duration limit, List<String> models) {
    public Options {
      if (requests < 1 || concurrency < 1) {
        throw new IllegalArgumentException("--requests and --concurrency must be >= 1");
      }
      if (models.isEmpty()) {
        throw new IllegalArgumentException("--models needs at least one model");
      }
    }
  }

  private DemoClient() {
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      if (args.length == 1 && args[0].equals("--free-port")) {
        System.out.println(freePort());
        return;
      }
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println("usage: DemoClient --url URL [--requests N] [--concurrency N] [--seconds N] [--models a,b]");
      System.exit(2);
      return;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    if (!awaitReady(http, options.url(), READY_TIMEOUT)) {
      System.err.println("poolgate at " + options.url() + " did not become ready in " + READY_TIMEOUT.toSeconds() + " s");
      System.exit(1);
    }
    System.out.println("before: " + get(http, options.url(), "/llm/system-load"));
    System.out.printf("sending %d requests, %d at a time, models %s, to %s%n", options.requests(),
        options.concurrency(), options.models(), options.url());
    long start = System.nanoTime();
    DemoStats stats = run(http, options);
    double elapsed = (System.nanoTime() - start) / 1e9;
    System.out.print(stats.report(elapsed));
    System.out.println("after:  " + get(http, options.url(), "/llm/system-load"));
    System.exit(stats.succeeded() == stats.total() ? 0 : 1);
  }

  static Options parse(String[] args) {
    URI url = null;
    int requests = DEFAULT_REQUESTS;
    int concurrency = DEFAULT_CONCURRENCY;
    long seconds = DEFAULT_SECONDS;
    List<String> models = DEFAULT_MODELS;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      try {
        switch (args[i]) {
          case "--url" -> url = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
          case "--requests" -> requests = Integer.parseInt(value);
          case "--concurrency" -> concurrency = Integer.parseInt(value);
          case "--seconds" -> seconds = Long.parseLong(value);
          case "--models" -> models = List.of(value.split(","));
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(args[i] + " must be a number, got '" + value + "'");
      }
      i++;
    }
    if (url == null) {
      throw new IllegalArgumentException("--url is required");
    }
    return new Options(url, requests, concurrency, Duration.ofSeconds(seconds), models);
  }

  /**
   * Runs the load: each worker takes the next request number until all are sent or the time is
   * up, so at most {@code concurrency} are in flight. Blocking calls on worker threads of its own.
   */
  public static DemoStats run(HttpClient http, Options options) throws InterruptedException {
    DemoStats stats = new DemoStats();
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + options.limit().toNanos();
    ExecutorService workers = Executors.newFixedThreadPool(options.concurrency(), r -> {
      Thread t = new Thread(r, "demo-client");
      t.setDaemon(true);
      return t;
    });
    List<java.util.concurrent.Future<?>> running = new ArrayList<>();
    for (int w = 0; w < options.concurrency(); w++) {
      running.add(workers.submit(() -> {
        int n;
        while ((n = next.getAndIncrement()) < options.requests() && System.nanoTime() < deadline) {
          send(http, options, n, stats);
        }
      }));
    }
    workers.shutdown();
    if (!workers.awaitTermination(options.limit().toMillis() + REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      workers.shutdownNow();
    }
    return stats;
  }

  private static void send(HttpClient http, Options options, int n, DemoStats stats) {
    String model = options.models().get(n % options.models().size());
    String body = "{\"model\":\"" + model + "\",\"user_level\":" + (n % 11) + ",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"demo request " + n + ": say something short\"}]}";
    HttpRequest request = HttpRequest.newBuilder(options.url().resolve("/v1/chat/completions"))
        .timeout(REQUEST_TIMEOUT)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    long start = System.nanoTime();
    try {
      HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString());
      stats.record(resp.statusCode(), System.nanoTime() - start,
          resp.headers().firstValue("x-poolgate-instance").orElse(null));
    } catch (IOException e) {
      stats.record(0, System.nanoTime() - start, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Polls {@code /health/ready} until it answers 200 or the time is up. */
  static boolean awaitReady(HttpClient http, URI url, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      try {
        HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(url.resolve("/health/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (resp.statusCode() == 200) {
          return true;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    return false;
  }

  private static String get(HttpClient http, URI url, String path) throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "(" + path + " failed: " + e.getMessage() + ")";
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
