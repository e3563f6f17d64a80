#!/usr/bin/env bash
# What the live console costs a loaded gateway: the gateway's CPU per request at a fixed open-loop rate (2,000 req/s by
# default) with no console open, then with CONSOLES consoles subscribed to /console/stream (curl -N, reading
# everything), in the same run. Prints one line per case and appends JSON to bench/results/console-cost.jsonl.
# Bounded: each phase runs DURATION seconds; LoadGen has its own hard stop; every process is killed on exit.
#   bash bench/console-cost.sh            # knobs: CONSOLE_RATE CONSOLES DURATION WARMUP
set -euo pipefail
cd "$(dirname "$0")/.."
RATE="${CONSOLE_RATE:-2000}"
CONSOLES="${CONSOLES:-20}"
DURATION="${DURATION:-15}"
WARMUP="${WARMUP:-8}"
UPSTREAM=19101 GATEWAY=18190
WORK=bench/results/console-run
OUT=bench/results/console-cost.jsonl
mkdir -p "$WORK"
[[ -f target/poolgate.jar ]] || make package
[[ -f bench/target/poolgate-bench.jar ]] || (cd bench && mvn -B -q -DskipTests package)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
cp target/poolgate.jar "$WORK/poolgate.jar"

java -cp bench/target/poolgate-bench.jar dev.poolgate.bench.FakeUpstream --port $UPSTREAM > "$WORK/upstream.log" 2>&1 &
PIDS+=($!)
# the bench config with its upstream moved to this script's port
sed "s#127.0.0.1:19001#127.0.0.1:$UPSTREAM#" bench/poolgate-bench.yaml > "$WORK/config.yaml"
POOLGATE_SERVER_PORT=$GATEWAY POOLGATE_ACCESS_LOG=OFF POOLGATE_USAGE_JDBC_URL=jdbc:h2:mem:console-cost java -jar "$WORK/poolgate.jar" -c "$WORK/config.yaml" \
  > "$WORK/gateway.log" 2>&1 &
GW=$!
PIDS+=($GW)
for _ in $(seq 300); do
  curl -sf -o /dev/null "http://127.0.0.1:$GATEWAY/health/ready" && break
  sleep 0.2
done
URL="http://127.0.0.1:$GATEWAY/v1/chat/completions"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# phase LABEL: warm-up, then DURATION s at RATE; prints the gateway's CPU per request
phase() {
  local label="$1" before after result ok
  # LoadGen warms up (closed loop) in its own JVM before it measures; the gateway's CPU is read around the
  # measured part only, from LoadGen's own "measuring" line
  local log="$WORK/loadgen-$2-$RANDOM.log"
  java -cp bench/target/poolgate-bench.jar dev.poolgate.bench.LoadGen --url "$URL" --mode open --rate "$RATE" \
    --connections 64 --warmup "$WARMUP" --duration "$DURATION" --label "$label" > "$log" 2>&1 &
  local lg=$!
  PIDS+=($lg)
  for _ in $(seq $(( (WARMUP + 30) * 10 ))); do grep -q '^measuring' "$log" && break; sleep 0.1; done
  before=$(ticks $GW)
  wait $lg
  after=$(ticks $GW)
  result=$(grep '^RESULT' "$log" | sed 's/^RESULT //')
  ok=$(echo "$result" | sed -n 's/.*"ok":\([0-9]*\).*/\1/p')
  local us=$(( (after - before) * 1000000 / hz / (ok > 0 ? ok : 1) ))
  local p99=$(echo "$result" | sed -n 's/.*"p99":\([0-9]*\).*/\1/p')
  echo "$label: $ok requests at $RATE req/s, gateway CPU $us µs per request, p99 ${p99} µs"
  printf '{"label":"%s","consoles":%s,"rate":%s,"ok":%s,"cpu_us_per_req":%s,"p99_us":%s}\n' \
    "$label" "$2" "$RATE" "$ok" "$us" "${p99:-0}" >> "$OUT"
}

# a first round only warms both JVMs up (the gateway's JIT, LoadGen's own); its figures are not kept
phase "warm-up, not kept" 0 > /dev/null
sed -i '$d' "$OUT"
phase "no console" 0
CURLS=()
for i in $(seq "$CONSOLES"); do
  curl -sN "http://127.0.0.1:$GATEWAY/console/stream" > "$WORK/console-$i.out" &
  CURLS+=($!)
  PIDS+=($!)
done
sleep 2
phase "$CONSOLES consoles" "$CONSOLES"
kill "${CURLS[@]}" 2>/dev/null || true
phase "no console again" 0
echo "each console received $(( $(stat -c %s "$WORK/console-1.out") / 1024 )) KiB over the run"
