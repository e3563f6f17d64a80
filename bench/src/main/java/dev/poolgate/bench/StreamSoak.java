package dev.poolgate.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Opens N concurrent streaming requests (default 10,000) over a short ramp and holds them open as long as the
 * upstream keeps streaming (run it against a FakeUpstream with an inter-chunk delay, so each stream lasts longer than
 * the ramp). Prints {@code ALL_OPEN} when every stream has its first byte: the moment the script samples the target's
 * heap and RSS. A thin preset over {@link LoadGen}'s open loop with a connection per stream.
 *
 * <p>Usage: {@code StreamSoak --url http://127.0.0.1:18080/v1/chat/completions [--streams 10000] [--ramp 5]
 * [--model m] [--timeout-ms 30000] [--out file]}
 */
public final class StreamSoak {
  public static void main(String[] argv) throws Exception {
    Args a = new Args(argv);
    int streams = a.integer("streams", 10_000);
    double ramp = a.dbl("ramp", 5);
    List<String> args = new ArrayList<>(List.of(
        "--kind", "soak", "--label", a.str("label", "soak"),
        "--url", a.str("url", "http://127.0.0.1:18080/v1/chat/completions"),
        "--mode", "open", "--stream", "true", "--progress", "true",
        "--rate", String.valueOf(streams / ramp), "--duration", String.valueOf(ramp),
        "--max-requests", String.valueOf(streams),
        "--connections", String.valueOf(streams), // one connection per stream: they are all open at once
        "--model", a.str("model", "gpt-4o-mini"),
        "--threads", a.str("threads", "2"),
        "--timeout-ms", a.str("timeout-ms", "30000")));
    if (a.str("out", null) != null) {
      args.addAll(List.of("--out", a.str("out", null)));
    }
    LoadGen.run(LoadGen.Config.parse(new Args(args.toArray(String[]::new))));
    System.exit(0);
  }
}
