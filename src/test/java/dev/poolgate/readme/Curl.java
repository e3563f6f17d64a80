package dev.poolgate.readme;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A curl command line as the README writes them, sent the way curl sends it: {@code -d} and
 * {@code --data-binary} make a POST (unless {@code -X} says otherwise) with curl's default content
 * type for data, {@code application/x-www-form-urlencoded}, unless a header sets another;
 * {@code @FILE} reads the file from the script's directory. {@code localhost:8080} is the gateway
 * under test. Any option the README does not use is refused, so a new one gets support here first.
 */
public record Curl(String method, String path, Map<String, String> headers, byte[] body) {
  private static final String FORM = "application/x-www-form-urlencoded";

  public static Curl parse(List<String> words, Path dir) throws IOException {
    if (!words.get(0).equals("curl")) {
      throw new IllegalArgumentException("not a curl command: " + words);
    }
    String method = null;
    String url = null;
    Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = null;
    for (int i = 1; i < words.size(); i++) {
      String w = words.get(i);
      switch (w) {
        case "-H", "--header" -> {
          String h = words.get(++i);
          int colon = h.indexOf(':');
          headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        case "-X", "--request" -> method = words.get(++i);
        case "-d", "--data", "--data-raw", "--data-binary" -> {
          String data = words.get(++i);
          body = data.startsWith("@") && !w.equals("--data-raw") ? Files.readAllBytes(dir.resolve(data.substring(1)))
              : data.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        default -> {
          if (w.matches("-[sSNif]+") || w.equals("--silent") || w.equals("--no-buffer")) {
            continue;
          }
          if (w.startsWith("-")) {
            throw new IllegalArgumentException("curl option " + w + " is not supported by the README test");
          }
          if (url != null) {
            throw new IllegalArgumentException("curl with two URLs: " + url + ", " + w);
          }
          url = w;
        }
      }
    }
    if (url == null) {
      throw new IllegalArgumentException("curl without a URL: " + words);
    }
    String rest = url.replaceFirst("^https?://", "");
    if (!rest.startsWith("localhost:8080")) {
      throw new IllegalArgumentException("the README's curl calls go to localhost:8080, not " + url);
    }
    String path = rest.substring("localhost:8080".length());
    if (body != null && !headers.containsKey("content-type")) {
      headers.put("content-type", FORM);
    }
    return new Curl(method != null ? method : body != null ? "POST" : "GET", path.isEmpty() ? "/" : path,
        headers, body);
  }

  /** Sends it to the gateway on {@code port}. */
  public HttpResponse<String> send(HttpClient client, int port) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public String toString() {
    return "curl -X " + method + " localhost:8080" + path;
  }
}
