#!/usr/bin/env bash
# bench/ab.sh: closed-loop throughput of one or more gateway builds against the minimal Vert.x proxy, all running at
# once and measured in interleaved rounds, so a slow spell of the machine hits every target alike. For comparing a
# change with the build before it (docs/BENCHMARKS.md), where bench/run.sh measures one build in depth.
#
#   bash bench/ab.sh JAR [JAR...]        e.g. bash bench/ab.sh /tmp/before.jar target/poolgate.jar
#
# Each target gets AB_WARMUP seconds of wrk first (the JIT of a gateway takes a minute or more to settle on a slow
# two-core machine), then AB_ROUNDS rounds of AB_DURATION seconds each, targets in turn; every round prints each
# target's req/s and its CPU time per request. Access log on (INFO, as users run it) unless AB_ACCESS_LOG says
# otherwise. Loopback only; every process started here is stopped on exit.
#
# AB_KIND=stream compares streams instead: LoadGen opens AB_RATE streams/s (default 500, open loop) through each
# target to the paced upstream (8 chunks 5 ms apart, as bench/run.sh's TTFB phase), warm-up and rounds as above
# (each round's LoadGen run starts with 5 s of its own warm-up, not counted); every round prints each target's time
# to first byte (p50 / p90) and its CPU time per stream.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
(( $# >= 1 )) || { echo "usage: bash bench/ab.sh GATEWAY_JAR [GATEWAY_JAR...]" >&2; exit 2; }
WARMUP="${AB_WARMUP:-80}"
ROUNDS="${AB_ROUNDS:-6}"
DURATION="${AB_DURATION:-10}"
KIND="${AB_KIND:-throughput}" # throughput | stream
RATE="${AB_RATE:-500}"        # streams/s, stream kind only
[[ "$KIND" == throughput || "$KIND" == stream ]] || { echo "AB_KIND is throughput or stream, not $KIND" >&2; exit 2; }
ACCESS_LOG="${AB_ACCESS_LOG:-INFO}"
UPSTREAM=19001 PACED=19002 MINIMAL=18081 FIRST_GATEWAY=18100
WORK=bench/results/ab
BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}],"max_tokens":16}'

command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
mvn -q -B -f bench/pom.xml package -DskipTests
rm -rf "$WORK" && mkdir -p "$WORK"
cat > "$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
EOF

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
NAMES=() PORTS=() TPIDS=()
launch() { # launch NAME PORT CMD...
  local name="$1" port="$2"; shift 2
  "$@" > "$WORK/$name.log" 2>&1 &
  PIDS+=("$!"); NAMES+=("$name"); PORTS+=("$port"); TPIDS+=("$!")
}
ready() { # ready PORT: until a chat request answers 200, at most 60 s
  for _ in $(seq 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 -H 'content-type: application/json' -d "$BODY" \
      "http://127.0.0.1:$1/v1/chat/completions" || true)" == 200 ]] && return 0
    sleep 0.2
  done
  echo "nothing answers on :$1 (logs in $WORK)" >&2; exit 1
}

java -cp bench/target/poolgate-bench.jar dev.poolgate.bench.FakeUpstream --port $UPSTREAM > "$WORK/upstream.log" 2>&1 &
PIDS+=("$!")
java -cp bench/target/poolgate-bench.jar dev.poolgate.bench.FakeUpstream --port $PACED --chunks 8 --chunk-delay-ms 5 \
  > "$WORK/paced.log" 2>&1 &
PIDS+=("$!")
# the minimal proxy fronts the upstream the measured requests go to; a gateway routes by model (bench-paced: paced)
launch minimal $MINIMAL java -cp bench/target/poolgate-bench.jar dev.poolgate.bench.MinimalProxy \
  --port $MINIMAL --target-port "$([[ "$KIND" == stream ]] && echo $PACED || echo $UPSTREAM)"
n=0
for jar in "$@"; do
  port=$((FIRST_GATEWAY + n)); n=$((n + 1))
  cp "$jar" "$WORK/gateway-$n.jar" # a copy: a build may rewrite the jar under a running JVM
  launch "gateway-$n" "$port" env POOLGATE_ACCESS_LOG="$ACCESS_LOG" POOLGATE_SERVER_PORT="$port" \
    POOLGATE_USAGE_JDBC_URL="jdbc:h2:mem:ab-$n" java -jar "$WORK/gateway-$n.jar" -c bench/poolgate-bench.yaml
  echo "gateway-$n = $jar"
done
for i in "${!NAMES[@]}"; do ready "${PORTS[$i]}"; done

url() { echo "http://127.0.0.1:$1/v1/chat/completions"; }
hz=$(getconf CLK_TCK)
streams() { # streams PORT SECONDS WARMUP: LoadGen's TTFB line for one open-loop run
  java -cp bench/target/poolgate-bench.jar dev.poolgate.bench.LoadGen --kind ttfb --label ab --url "$(url "$1")" \
    --model bench-paced --mode open --stream true --rate "$RATE" --connections 64 --warmup "$3" --duration "$2" \
    | awk '/ttfb us:/ {print $5, $7}'
}
if [[ "$KIND" == stream ]]; then
  for i in "${!NAMES[@]}"; do
    echo "warm-up ${NAMES[$i]}: ttfb p50/p90 $(streams "${PORTS[$i]}" "$WARMUP" 0 | tr ' ' /) us"
  done
  for r in $(seq "$ROUNDS"); do
    line="round $r:"
    for i in "${!NAMES[@]}"; do
      t0=$(awk '{print $14 + $15}' "/proc/${TPIDS[$i]}/stat")
      read -r p50 p90 < <(streams "${PORTS[$i]}" "$DURATION" 5)
      t1=$(awk '{print $14 + $15}' "/proc/${TPIDS[$i]}/stat")
      cpu=$(echo "($t1 - $t0) * 1000000 / $hz / ($RATE * ($DURATION + 5))" | bc -l)
      line="$line  ${NAMES[$i]} $(printf 'ttfb p50 %s p90 %s us, %.0f us/stream' "$p50" "$p90" "$cpu")"
    done
    echo "$line"
  done
  exit 0
fi
for i in "${!NAMES[@]}"; do
  echo "warm-up ${NAMES[$i]}: $(wrk -t2 -c64 -d"${WARMUP}s" -s "$WORK/post.lua" "$(url "${PORTS[$i]}")" | awk '/Requests\/sec/ {print $2}') req/s"
done
for r in $(seq "$ROUNDS"); do
  line="round $r:"
  for i in "${!NAMES[@]}"; do
    t0=$(awk '{print $14 + $15}' "/proc/${TPIDS[$i]}/stat")
    out=$(wrk -t2 -c64 -d"${DURATION}s" -s "$WORK/post.lua" "$(url "${PORTS[$i]}")")
    t1=$(awk '{print $14 + $15}' "/proc/${TPIDS[$i]}/stat")
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    bad=$(echo "$out" | awk '/Non-2xx/ {print $5} /Socket errors/ {print "socket errors"}' | head -1)
    line="$line  ${NAMES[$i]} $(printf '%.0f req/s %.1f us/req' "$rps" "$(echo "($t1 - $t0) * 1000000 / $hz / $reqs" | bc -l)")${bad:+ ($bad errors)}"
  done
  echo "$line"
done
