package dev.poolgate.readme;

import dev.poolgate.Gateway;
import dev.poolgate.admin.AdminState;
import dev.poolgate.admin.LocalConfigStore;
import dev.poolgate.config.ConfigLoader;
import dev.poolgate.config.EnvOverrides;
import dev.poolgate.config.EnvSubstitution;
import dev.poolgate.config.YamlDocument;
import dev.poolgate.testing.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.poolgate.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every example in README.md is executed, so the README cannot drift from the code: each fenced
 * block is one dynamic test.
 * <ul>
 *   <li>{@code yaml}: read by the config file's YAML reader, merged into the shipped
 *   {@code conf/config.yaml} (its top-level sections replace the shipped ones; a list of instances
 *   becomes a pool of its own) and validated like a config file, every {@code ${VAR}} it names
 *   set.</li>
 *   <li>{@code sh}: run command by command against a node started on the shipped config the way
 *   the README starts one ({@code POOLGATE_ADMIN_TOKEN} set, so the admin API is on), on a free
 *   port, its state and usage database in a temporary directory: {@code curl} calls are sent as
 *   curl sends them and must answer below 400, or what a following {@code # -> NNN} comment says;
 *   {@code NAME=value} lines set variables, or, in a block of nothing else, are checked as
 *   environment overrides of the shipped config. Any other command fails the test.</li>
 *   <li>{@code json}: must parse.</li>
 * </ul>
 * A block that cannot run (a {@code make} target, Java, sample output) says so right above it:
 * {@code <!-- not-run: reason -->}; {@code <!-- run-with: uncommented-keys -->} runs a block
 * against the shipped config with its commented {@code keys:} example uncommented.
 */
class ReadmeExamplesTest {
  static final Path README = Path.of("README.md");
  static final Path SHIPPED = Path.of("conf/config.yaml");
  static final String ADMIN_TOKEN = "readme-admin-token-" + UUID.randomUUID();
  /** The value of every {@code ${VAR}} a YAML example names, and of a {@code ...} in the README. */
  static final String PLACEHOLDER = "readme-placeholder-0123456789abcdef";
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?}");
  private static final Set<String> SHELLS = Set.of("sh", "bash", "shell", "console");

  @TempDir
  static Path tmp;
  private static Vertx vertx;
  private static HttpClient http;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  @TestFactory
  Stream<DynamicTest> everyExampleRuns() throws Exception {
    List<Readme.Block> blocks = Readme.read(README).blocks();
    assertTrue(blocks.size() > 10, "README.md has its examples");
    return blocks.stream().map(b -> DynamicTest.dynamicTest(b + (b.notRun() ? " not run: " + b.markerValue() : ""),
        () -> run(b)));
  }

  /** Exclusions are few and each says why. */
  @Test
  void blocksThatAreNotRunSayWhy() throws Exception {
    List<Readme.Block> blocks = Readme.read(README).blocks();
    List<Readme.Block> notRun = blocks.stream().filter(Readme.Block::notRun).toList();
    notRun.forEach(b -> assertTrue(b.markerValue().length() >= 10, b + ": say why it is not run"));
    assertTrue(notRun.size() * 3 <= blocks.size(), "most of the README runs; not run: " + notRun);
  }

  private void run(Readme.Block block) throws Exception {
    if (block.notRun()) {
      return;
    }
    switch (block.language()) {
      case "yaml", "yml" -> checkYaml(block);
      case "json" -> checkJson(block);
      default -> {
        if (!SHELLS.contains(block.language())) {
          fail(block + ": no runner for '" + block.language() + "' blocks; mark it <!-- not-run: reason -->");
        }
        runScript(block);
      }
    }
  }

  // ------------------------------------------------------------------ yaml and json

  private static void checkYaml(Readme.Block block) throws Exception {
    String text = block.text();
    boolean instances = text.stripLeading().startsWith("- ");
    JsonObject example = YamlDocument.parse(instances ? "instances:\n" + text : text, block.toString());
    JsonObject config = shippedRaw(false);
    if (instances) {
      config.getJsonObject("pools").put("readme", new JsonObject().put("instances", example.getJsonArray("instances")));
    } else {
      example.forEach(e -> config.put(e.getKey(), e.getValue()));
    }
    Map<String, String> env = new HashMap<>();
    Matcher m = REFERENCE.matcher(text);
    while (m.find()) {
      env.put(m.group(1), PLACEHOLDER);
    }
    ConfigLoader.parse(config, env);
  }

  private static void checkJson(Readme.Block block) {
    String text = block.text().trim();
    Object parsed = text.startsWith("[") ? new JsonArray(text) : new JsonObject(text);
    assertTrue(parsed != null);
  }

  // ------------------------------------------------------------------ shell

  private static void runScript(Readme.Block block) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "block-" + block.line() + "-");
    Map<String, String> env = nodeEnvironment(dir);
    Map<String, String> variables = new HashMap<>(env);
    List<Shell.Command> commands = Shell.parse(block.text(), variables);
    assertFalse(commands.isEmpty(), block + " has no command");
    if (commands.stream().allMatch(Shell.Command::assignment)) {
      checkOverrides(block, commands);
      return;
    }
    Gateway gateway = null;
    try {
      for (Shell.Command cmd : commands) {
        String where = block + ", command at block line " + cmd.line() + ": " + String.join(" ", cmd.words());
        if (cmd.assignment()) {
          continue;
        }
        if (!cmd.words().get(0).equals("curl")) {
          fail(where + ": only curl and NAME=value run here; mark the block <!-- not-run: reason -->");
        }
        if (gateway == null) {
          gateway = startNode(block.runWith(), env, where);
        }
        Curl curl = Curl.parse(cmd.words(), dir);
        HttpResponse<String> answer = curl.send(http, Integer.parseInt(env.get("POOLGATE_SERVER_PORT")));
        if (cmd.expectedStatus() != 0) {
          assertEquals(cmd.expectedStatus(), answer.statusCode(), where + "\n" + answer.body());
        } else {
          assertTrue(answer.statusCode() < 400, where + " answered " + answer.statusCode() + ": " + answer.body());
        }
        if (cmd.redirect() != null) {
          Files.writeString(dir.resolve(cmd.redirect()), answer.body());
        }
      }
    } finally {
      if (gateway != null) {
        await(gateway.close());
      }
    }
  }

  /** A block of {@code POOLGATE_...=value} lines: each applies to the shipped config and names a key. */
  private static void checkOverrides(Readme.Block block, List<Shell.Command> commands) throws Exception {
    for (Shell.Command cmd : commands) {
      String value = cmd.value().equals("...") ? PLACEHOLDER : cmd.value();
      Map<String, String> env = Map.of(cmd.name(), value);
      JsonObject raw = shippedRaw(false);
      EnvOverrides.Result result = EnvOverrides.apply(EnvSubstitution.apply(raw, Map.of()), env);
      assertEquals(List.of(), result.unmatched(), block + ": " + cmd.name() + " names no key of the shipped config");
      ConfigLoader.parse(raw, env);
    }
  }

  /** The variables a README reader has set: the admin token, and this test's port and files. */
  private static Map<String, String> nodeEnvironment(Path dir) {
    Map<String, String> env = new HashMap<>();
    env.put("POOLGATE_ADMIN_TOKEN", ADMIN_TOKEN);
    env.put("POOLGATE_SERVER_PORT", Integer.toString(Ports.free()));
    env.put("POOLGATE_ADMIN_STATE_DIR", dir.resolve("admin-state").toString());
    env.put("POOLGATE_USAGE_JDBC_URL", "jdbc:h2:mem:readme-" + UUID.randomUUID());
    return env;
  }

  /** A node started the way Main starts one, on the shipped config (as the setup says) and the environment. */
  private static Gateway startNode(String setup, Map<String, String> env, String where) throws Exception {
    boolean keys = "uncommented-keys".equals(setup);
    if (setup != null && !keys) {
      fail(where + ": unknown setup '" + setup + "' (known: uncommented-keys)");
    }
    JsonObject raw = shippedRaw(keys);
    return await(AdminState.open(vertx, raw, new LocalConfigStore(), env).compose(admin -> Gateway.start(vertx, admin)));
  }

  /** conf/config.yaml as read, optionally with its commented {@code keys:} example uncommented. */
  static JsonObject shippedRaw(boolean uncommentKeys) throws Exception {
    String text = Files.readString(SHIPPED);
    return YamlDocument.parse(uncommentKeys ? uncommentKeys(text) : text, SHIPPED.toString());
  }

  /** The lines {@code # keys:} and the {@code #   ...} lines under it, without their {@code # }. */
  static String uncommentKeys(String text) {
    List<String> out = new ArrayList<>();
    boolean inKeys = false;
    boolean found = false;
    for (String line : text.split("\n", -1)) {
      if (line.equals("# keys:")) {
        inKeys = true;
        found = true;
        out.add("keys:");
        continue;
      }
      if (inKeys && line.startsWith("#   ")) {
        out.add(line.substring(2));
        continue;
      }
      inKeys = false;
      out.add(line);
    }
    assertTrue(found, SHIPPED + " has a commented '# keys:' example");
    return String.join("\n", out);
  }
}
