#!/usr/bin/env bash
# poolgate benchmark harness (`make bench`). Starts, on 127.0.0.1 only, a fake OpenAI upstream, the gateway, a minimal
# Vert.x proxy and nginx, and (targets cluster1 cluster2 cluster3) 1 to 3 clustered gateway nodes behind an nginx
# round-robin balancer; measures each side by side in one run; writes bench/results/latest.md. docs/BENCHMARKS.md
# explains every figure. Knobs: BENCH_DURATION BENCH_WARMUP BENCH_RATE BENCH_STREAM_RATE BENCH_STREAMS
# BENCH_CONNECTIONS BENCH_ROUNDS BENCH_TARGETS BENCH_PHASES BENCH_ACCESS_LOG POOLGATE_JAVA_OPTS BENCH_JAVA_OPTS, and
# QUICK=1 for a smoke run of a few seconds per phase.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  : "${BENCH_DURATION:=3}" "${BENCH_WARMUP:=2}" "${BENCH_RATE:=500}" "${BENCH_STREAM_RATE:=200}" "${BENCH_STREAMS:=1000}"
fi
DURATION="${BENCH_DURATION:-20}"       # seconds of each measured phase
WARMUP="${BENCH_WARMUP:-10}"           # seconds of warm-up before each LoadGen phase, in its mode and at its rate (JIT on both ends)
RATE="${BENCH_RATE:-2000}"             # open-loop rate for the latency phase, req/s
STREAM_RATE="${BENCH_STREAM_RATE:-500}" # open-loop rate for the TTFB phase, streams/s
STREAMS="${BENCH_STREAMS:-10000}"      # concurrent streams in the soak
CONNECTIONS="${BENCH_CONNECTIONS:-64}" # closed-loop concurrency (wrk and LoadGen)
TARGETS="${BENCH_TARGETS:-direct poolgate minimal nginx}" # also: cluster1 cluster1-nginx cluster2 cluster3
# cluster1 measures one clustered node twice: straight at its port, and through the balancer (cluster1-nginx), so the
# nginx hop inside the cluster2 and cluster3 figures can be subtracted. cluster2 and cluster3 go through the balancer.
TARGETS=" $TARGETS "
[[ "$TARGETS" == *" cluster1 "* && "$TARGETS" != *" cluster1-nginx "* ]] && TARGETS="${TARGETS/ cluster1 / cluster1 cluster1-nginx }"
TARGETS="$(echo $TARGETS)"
PHASES="${BENCH_PHASES:-throughput latency ttfb soak}" # a subset reruns only those phases
ROUNDS="${BENCH_ROUNDS:-1}"            # repeat throughput/latency/ttfb, targets interleaved; the report takes medians
SOAK_LIFE=$([[ "$QUICK" == 1 ]] && echo 6 || echo 30) # seconds each soak stream stays open (one chunk a second)
SOAK_RAMP=$([[ "$QUICK" == 1 ]] && echo 2 || echo 10) # seconds to open all soak streams (a gentle connect rate)
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:-}"
POOLGATE_JAVA_OPTS="${POOLGATE_JAVA_OPTS:-}"
# Level of the gateway's per-request access log (logback logger poolgate.access), the same for the standalone gateway
# and every clustered node so their per-request costs compare; OFF by default so the bench measures the request path,
# not log I/O. INFO writes one line a request into bench/results/run/*.log.
ACCESS_LOG="${BENCH_ACCESS_LOG:-OFF}"

# Fixed ports; bench/poolgate-bench.yaml names the same ones.
UPSTREAM=19001 PACED=19002 SLOW=19003 GATEWAY="${BENCH_GATEWAY_PORT:-18080}" MINIMAL=18081 NGINX=18082 MINIMAL_SOAK=18083
MINIMAL_PACED=18084 # the minimal proxy in front of the paced upstream: what a bare proxy adds to time to first byte
NODE_HTTP=(18090 18091 18092) # clustered nodes 1..3: HTTP (POOLGATE_SERVER_PORT)
NODE_HZ=(15701 15702 15703)   # ... and Hazelcast member ports, away from the 5701 default that tests may use
LB_PORT=(18095 18096 18097)   # the balancer's round robin over the first 1, 2, 3 nodes
HZ_MEMBERS="127.0.0.1:${NODE_HZ[0]},127.0.0.1:${NODE_HZ[1]},127.0.0.1:${NODE_HZ[2]}"
HZ_CLUSTER="poolgate-bench-$$" # a cluster name of its own: never joins another run's or a test's cluster
BENCH_JAR=bench/target/poolgate-bench.jar
GATEWAY_JAR=target/poolgate.jar
OUT_DIR=bench/results
RESULTS="$OUT_DIR/results.jsonl"
WORK="$OUT_DIR/run" # logs, nginx config and temp files of this run (kept for inspection)
CHAT_PATH=/v1/chat/completions
BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}],"max_tokens":16}'

log() { printf '\n== %s\n' "$*"; }
warn() { printf 'WARN: %s\n' "$*" >&2; }
has_target() { [[ " $TARGETS " == *" $1 "* ]]; }
has_phase() { [[ " $PHASES " == *" $1 "* ]]; }
has_cluster() { [[ " $TARGETS " == *" cluster"* ]]; }
nodes_of() { case "$1" in cluster1|cluster1-nginx) echo 1 ;; cluster2|cluster2-rr) echo 2 ;; cluster3|cluster3-rr) echo 3 ;; *) echo 0 ;; esac; }

# Everything here shares two cores: anything else running (a build, a test suite) shows up in every figure.
LOAD_BEFORE="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l > 0.5) }'; then
  warn "load average is $LOAD_BEFORE before the bench started: other work on this machine will skew the figures"
fi

# ---- tools -------------------------------------------------------------------------------------------------------
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
  log "installing nginx, wrk, curl"
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx wrk curl
fi
for tool in java jcmd jstat mvn; do
  command -v "$tool" >/dev/null || { echo "missing $tool (needs a JDK 17 and Maven)" >&2; exit 1; }
done

log "building bench/"
mvn -q -B -f bench/pom.xml package -DskipTests

GATEWAY_SKIP=""
if ! has_target poolgate && ! has_cluster; then
  GATEWAY_SKIP="not in BENCH_TARGETS for this run"
elif [[ ! -f "$GATEWAY_JAR" ]]; then
  log "building the gateway ($GATEWAY_JAR missing)"
  mvn -q -B -f pom.xml package -DskipTests || warn "gateway build failed"
  [[ -f "$GATEWAY_JAR" ]] || GATEWAY_SKIP="gateway not built at time of run"
fi

# ---- limits: every open stream costs the proxy two sockets (client side and upstream side) -------------------------
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT="$(ulimit -n)"
if [[ "$FD_LIMIT" != unlimited ]] && (( FD_LIMIT < 2 * STREAMS + 500 )); then
  warn "open-file limit is $FD_LIMIT (hard); a proxy holding $STREAMS streams needs about $((2 * STREAMS + 500))"
fi

# ---- processes ---------------------------------------------------------------------------------------------------
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do # a clustered node drains and leaves the cluster on SIGTERM: give it up to 10 s
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $UPSTREAM $PACED $SLOW $GATEWAY $MINIMAL $NGINX $MINIMAL_SOAK $MINIMAL_PACED ${NODE_HTTP[@]} ${NODE_HZ[@]} ${LB_PORT[@]}; do
  port_free "$p" || { echo "port $p on 127.0.0.1 is already in use; stop whatever holds it" >&2; exit 1; }
done

rm -rf "$WORK" && mkdir -p "$WORK"
: > "$RESULTS"

# start NAME CMD...: runs CMD (an executable, never a function, so $! is its own pid) in the background, logging to
# $WORK/NAME.log; the pid lands in PID_<NAME> and in the list the exit trap kills.
start() {
  local name="$1"; shift
  "$@" > "$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
  printf -v "PID_$name" '%s' "$!"
}
# shellcheck disable=SC2206 # BENCH_JAVA_OPTS is a list of JVM flags
BJAVA=(java $BENCH_JAVA_OPTS -cp "$BENCH_JAR")
P=dev.poolgate.bench

# wait_ok URL [BODY]: until URL answers 200 (POST if a body is given), at most 60 s.
wait_ok() {
  local url="$1" body="${2:-}" code
  for _ in $(seq 300); do
    if [[ -n "$body" ]]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 -H 'content-type: application/json' \
        -H 'authorization: Bearer sk-bench' -d "$body" "$url" || true)
    else
      code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$url" || true)
    fi
    [[ "$code" == 200 ]] && return 0
    sleep 0.2
  done
  return 1
}

log "starting servers (logs in $WORK)"
start upstream "${BJAVA[@]}" $P.FakeUpstream --port $UPSTREAM
start paced "${BJAVA[@]}" $P.FakeUpstream --port $PACED --chunks 8 --chunk-delay-ms 5
# A stream is role chunk + content chunks + finish chunk + usage chunk, one a second: SOAK_LIFE seconds in all.
start slow "${BJAVA[@]}" $P.FakeUpstream --port $SLOW --chunks "$((SOAK_LIFE - 3))" --chunk-delay-ms 1000
for p in $UPSTREAM $PACED $SLOW; do wait_ok "http://127.0.0.1:$p/v1/models" || { echo "FakeUpstream :$p down" >&2; exit 1; }; done

if has_target minimal; then
  start minimal "${BJAVA[@]}" $P.MinimalProxy --port $MINIMAL --target-port $UPSTREAM
  wait_ok "http://127.0.0.1:$MINIMAL$CHAT_PATH" "$BODY" || { echo "MinimalProxy did not start" >&2; exit 1; }
  if has_phase ttfb; then
    start minimal_paced "${BJAVA[@]}" $P.MinimalProxy --port $MINIMAL_PACED --target-port $PACED
    wait_ok "http://127.0.0.1:$MINIMAL_PACED/v1/models" || { echo "MinimalProxy (paced) did not start" >&2; exit 1; }
  fi
fi

if has_target nginx; then
  mkdir -p "$WORK/nginx"
  cat > "$WORK/nginx/nginx.conf" <<EOF
$([[ $EUID == 0 ]] && echo "user root;")
worker_processes 2;
daemon off;
pid $ROOT/$WORK/nginx/nginx.pid;
error_log $ROOT/$WORK/nginx/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $ROOT/$WORK/nginx/client_body;
  proxy_temp_path $ROOT/$WORK/nginx/proxy;
  fastcgi_temp_path $ROOT/$WORK/nginx/fastcgi;
  uwsgi_temp_path $ROOT/$WORK/nginx/uwsgi;
  scgi_temp_path $ROOT/$WORK/nginx/scgi;
  keepalive_requests 1000000; # as unlimited as Vert.x: no forced reconnects in the middle of a run
  upstream fake {
    server 127.0.0.1:$UPSTREAM;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  start nginx nginx -p "$ROOT/$WORK/nginx" -e "$ROOT/$WORK/nginx/error.log" -c "$ROOT/$WORK/nginx/nginx.conf"
  wait_ok "http://127.0.0.1:$NGINX$CHAT_PATH" "$BODY" || { echo "nginx did not start" >&2; exit 1; }
fi

# Run a copy: the gateway's own builds may rewrite target/poolgate.jar under a running JVM. The standalone gateway
# and every clustered node run the same copy.
[[ -z "$GATEWAY_SKIP" ]] && cp "$GATEWAY_JAR" "$WORK/poolgate.jar"
if [[ -z "$GATEWAY_SKIP" ]] && has_target poolgate; then
  # shellcheck disable=SC2086 # POOLGATE_JAVA_OPTS is a list of JVM flags
  start poolgate env POOLGATE_ACCESS_LOG="$ACCESS_LOG" POOLGATE_SERVER_PORT="$GATEWAY" POOLGATE_USAGE_JDBC_URL=jdbc:h2:mem:bench \
    java $POOLGATE_JAVA_OPTS -jar "$WORK/poolgate.jar" -c bench/poolgate-bench.yaml
  if ! wait_ok "http://127.0.0.1:$GATEWAY$CHAT_PATH" "$BODY"; then
    warn "poolgate did not answer 200 within 60 s; see $WORK/poolgate.log"
    GATEWAY_SKIP="gateway did not start or answer 200 (see bench/results/run/poolgate.log)"
  fi
fi
if [[ -n "$GATEWAY_SKIP" ]]; then
  TARGETS="$(for t in $TARGETS; do [[ $t == poolgate || $t == cluster* ]] || echo "$t"; done | tr '\n' ' ')"
  printf '{"kind":"skipped","label":"poolgate","reason":"%s"}\n' "$GATEWAY_SKIP" >> "$RESULTS"
fi

# ---- cluster: 1 to 3 gateway nodes (java -jar poolgate.jar --cluster) and an nginx round-robin balancer ------------
# The nodes are started and stopped as the targets need them (ensure_nodes N), so cluster1 is a cluster of one member,
# cluster2 of two and cluster3 of three, never idle extra members. They all read bench/poolgate-bench.yaml; only the
# HTTP port differs (POOLGATE_SERVER_PORT). The balancer is a second nginx (2 workers), apart from the nginx target:
# one server block per cluster size, each a round-robin upstream over that many nodes with keep-alive.
NODE_PIDS=(0 0 0)
start_node() { # start_node I (1-based): starts node I, waits until it is ready and has joined the others
  local i="$1" port="${NODE_HTTP[$(( $1 - 1 ))]}" members
  # shellcheck disable=SC2086 # POOLGATE_JAVA_OPTS is a list of JVM flags
  start "node$i" env POOLGATE_SERVER_PORT="$port" POOLGATE_HZ_PORT="${NODE_HZ[$((i - 1))]}" \
    POOLGATE_HZ_MEMBERS="$HZ_MEMBERS" POOLGATE_HZ_INSTANCE_NAME="$HZ_CLUSTER-$i" POOLGATE_HZ_CLUSTER_NAME="$HZ_CLUSTER" \
    POOLGATE_CLUSTER_CONFIG="$ROOT/cluster.xml" POOLGATE_ACCESS_LOG="$ACCESS_LOG" \
    POOLGATE_USAGE_JDBC_URL="jdbc:h2:mem:bench-node-$i" \
    java $POOLGATE_JAVA_OPTS -jar "$WORK/poolgate.jar" -c bench/poolgate-bench.yaml --cluster
  local pid_var="PID_node$i"
  NODE_PIDS[$((i - 1))]="${!pid_var}"
  wait_ok "http://127.0.0.1:$port/health/ready" && wait_ok "http://127.0.0.1:$port$CHAT_PATH" "$BODY" \
    || { echo "clustered node $i did not get ready; see $WORK/node$i.log" >&2; exit 1; }
  members=$(grep -o 'ready, [0-9]* gateway members' "$WORK/node$i.log" | tail -1)
  echo "node $i (:$port, pid ${!pid_var}): $members"
  [[ "$members" == "ready, $i gateway members" ]] || { echo "node $i did not join the others: '$members'" >&2; exit 1; }
}
stop_node() { # stop_node I: SIGTERM (drain, release, leave the cluster), then at most 15 s before SIGKILL
  local i="$1" pid="${NODE_PIDS[$(( $1 - 1 ))]}" keep=() p
  (( pid )) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
  NODE_PIDS[$((i - 1))]=0
  echo "node $i stopped"
}
ensure_nodes() { # ensure_nodes N: nodes 1..N running, every other node stopped; then 2 s for partitions to settle
  local n="$1" i changed=0
  for i in 3 2 1; do (( i > n && NODE_PIDS[i - 1] )) && { stop_node "$i"; changed=1; }; done
  for i in 1 2 3; do (( i <= n && ! NODE_PIDS[i - 1] )) && { start_node "$i"; changed=1; }; done
  (( changed && n )) && sleep 2
  return 0
}

if has_cluster; then
  mkdir -p "$WORK/lb"
  {
    [[ $EUID == 0 ]] && echo "user root;"
    cat <<EOF
worker_processes 2;
daemon off;
pid $ROOT/$WORK/lb/nginx.pid;
error_log $ROOT/$WORK/lb/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $ROOT/$WORK/lb/client_body;
  proxy_temp_path $ROOT/$WORK/lb/proxy;
  fastcgi_temp_path $ROOT/$WORK/lb/fastcgi;
  uwsgi_temp_path $ROOT/$WORK/lb/uwsgi;
  scgi_temp_path $ROOT/$WORK/lb/scgi;
  keepalive_requests 1000000;
EOF
    for n in 1 2 3; do
      echo "  upstream nodes$n {"
      for i in $(seq "$n"); do echo "    server 127.0.0.1:${NODE_HTTP[$((i - 1))]};"; done
      cat <<EOF
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${LB_PORT[$((n - 1))]};
    location / {
      proxy_pass http://nodes$n;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off; # stream SSE through as it comes, like the gateway itself
    }
  }
EOF
    done
    echo "}"
  } > "$WORK/lb/nginx.conf"
  start lb nginx -p "$ROOT/$WORK/lb" -e "$ROOT/$WORK/lb/error.log" -c "$ROOT/$WORK/lb/nginx.conf"
  for _ in $(seq 50); do port_free "${LB_PORT[0]}" || break; sleep 0.1; done
  port_free "${LB_PORT[0]}" && { echo "the balancer (nginx) did not start; see $WORK/lb/error.log" >&2; exit 1; }
fi

url_of() {
  case "$1" in
    direct) echo "http://127.0.0.1:$UPSTREAM$CHAT_PATH" ;;
    poolgate) echo "http://127.0.0.1:$GATEWAY$CHAT_PATH" ;;
    minimal) echo "http://127.0.0.1:$MINIMAL$CHAT_PATH" ;;
    nginx) echo "http://127.0.0.1:$NGINX$CHAT_PATH" ;;
    cluster1) echo "http://127.0.0.1:${NODE_HTTP[0]}$CHAT_PATH" ;; # straight at the node, no balancer
    cluster1-nginx) echo "http://127.0.0.1:${LB_PORT[0]}$CHAT_PATH" ;;
    cluster2) echo "http://127.0.0.1:${LB_PORT[1]}$CHAT_PATH" ;;
    cluster3) echo "http://127.0.0.1:${LB_PORT[2]}$CHAT_PATH" ;;
    # no balancer: the load tools themselves spread requests round-robin over the nodes' ports
    cluster2-rr|cluster3-rr) local i sep=""; for i in $(seq "$(nodes_of "$1")"); do
        printf '%shttp://127.0.0.1:%s%s' "$sep" "${NODE_HTTP[$((i - 1))]}" "$CHAT_PATH"; sep=","; done; echo ;;
  esac
}
server_pids() { # the processes doing the work of a target, for its CPU time
  case "$1" in
    direct) echo "$PID_upstream" ;;
    poolgate) echo "$PID_poolgate" ;;
    minimal) echo "$PID_minimal" ;;
    nginx) echo "$PID_nginx $(pgrep -P "$PID_nginx" | tr '\n' ' ')" ;;
    cluster*) local i; for i in $(seq "$(nodes_of "$1")"); do printf '%s ' "${NODE_PIDS[$((i - 1))]}"; done ;;
  esac
}
lb_pids() { # the balancer in front of a target, if any: its CPU is reported apart from the nodes'
  case "$1" in
    cluster1-nginx|cluster2|cluster3) echo "$PID_lb $(pgrep -P "$PID_lb" | tr '\n' ' ')" ;;
  esac
}
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }

loadgen() { "${BJAVA[@]}" $P.LoadGen --out "$RESULTS" "$@" || warn "LoadGen $* failed"; }

cat > "$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
EOF

# run_wrk TARGET: closed-loop max throughput with wrk, plus the target's CPU time per request.
run_wrk() {
  local t="$1" out before after lb_before lb_after hz lb
  hz=$(getconf CLK_TCK)
  lb="$(lb_pids "$t")"
  # shellcheck disable=SC2046,SC2086
  before=$(cpu_ticks $(server_pids "$t")); lb_before=$(cpu_ticks $lb)
  local urls u n=0 outs=()
  IFS=, read -r -a urls <<< "$(url_of "$t")"
  if (( ${#urls[@]} == 1 )); then
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$WORK/post.lua" "${urls[0]}") \
      || { warn "wrk $t failed"; return; }
  else # one wrk per node, the connections split evenly, run at once; their counts are summed below
    local wrk_pids=()
    for u in "${urls[@]}"; do
      wrk -t1 -c"$(( CONNECTIONS / ${#urls[@]} ))" -d"${DURATION}s" -s "$WORK/post.lua" "$u" > "$WORK/wrk-$t-$n.out" &
      wrk_pids+=($!); outs+=("$WORK/wrk-$t-$n.out"); n=$((n + 1))
    done
    wait "${wrk_pids[@]}" # only these: a bare wait would wait for the gateway and upstreams too
    # each node's own lines, reworded so the parser below reads only the sums
    out="$(cat "${outs[@]}" | sed 's/^/  node| /; s/requests in/reqs in/; s/Non-2xx/non2xx/; s/Socket errors/socket-errors/')
$(cat "${outs[@]}" | awk '/requests in/ { r += $1 } /^Requests\/sec:/ { q += $2 } /Non-2xx or 3xx responses:/ { b += $5 }
  /Socket errors:/ { gsub(",", ""); s += $4 + $6 + $8 + $10 }
  END { printf "  %d requests in (all nodes)\nRequests/sec: %.2f\nNon-2xx or 3xx responses: %d\nSocket errors: connect %d, read 0, write 0, timeout 0\n", r, q, b, s }')"
  fi
  # shellcheck disable=SC2046,SC2086
  after=$(cpu_ticks $(server_pids "$t")); lb_after=$(cpu_ticks $lb)
  echo "$out" | sed "s/^/[$t wrk] /"
  echo "$out" | awk -v label="$t" -v cpu="$(( (after - before) * 1000000 / hz ))" \
    -v lbcpu="$(( (lb_after - lb_before) * 1000000 / hz ))" -v haslb="${lb:+1}" '
    /requests in/ { reqs = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad += $5 }
    /Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
    END { printf "{\"kind\":\"wrk\",\"label\":\"%s\",\"rps\":%s,\"requests\":%d,\"errors\":%d,\"server_cpu_us_per_req\":%.1f%s}\n",
          label, rps, reqs, bad, reqs ? cpu / reqs : 0,
          haslb ? sprintf(",\"lb_cpu_us_per_req\":%.1f", reqs ? lbcpu / reqs : 0) : "" }' >> "$RESULTS"
}

mem_kb() { ps -o rss= -p "$1" | tr -d ' '; }
heap_kb() { # used heap from jstat: survivor + eden + old, in KiB (works for every collector)
  jstat -gc "$1" | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
    NR == 2 { printf "%.0f", $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"] }'
}

# soak LABEL URL PID MODEL: STREAMS concurrent streams; the target's RSS and heap are read while all are open.
soak() {
  local label="$1" url="$2" pid="$3" model="$4" rss_idle rss_open=0 heap_open=0 heap_live open_line="" r h
  rss_idle=$(mem_kb "$pid" || echo 0)
  start "soak_$label" "${BJAVA[@]}" $P.StreamSoak --label "$label" --url "$url" --model "$model" \
    --streams "$STREAMS" --ramp "$SOAK_RAMP" --timeout-ms 60000 --out "$RESULTS"
  local spid_var="PID_soak_$label"
  local spid="${!spid_var}" log="$WORK/soak_$label.log"
  # Sample once every stream has its first byte; if some never get one, 5 s after the last stream was sent (the
  # most that can be open); either way while the streams are still open.
  local t0 now all_sent_at="" started
  t0=$(date +%s)
  while kill -0 "$spid" 2>/dev/null; do
    open_line=$(grep -m1 '^ALL_OPEN' "$log" || true)
    [[ -n "$open_line" ]] && break
    now=$(date +%s)
    started=$(grep '^progress' "$log" | tail -1 | sed -n 's/.* started=\([0-9]*\).*/\1/p' || true)
    if (( ${started:-0} >= STREAMS )); then
      all_sent_at="${all_sent_at:-$now}"
      (( now - all_sent_at >= 5 )) && break
    fi
    (( now - t0 > SOAK_RAMP + SOAK_LIFE )) && break
    sleep 0.2
  done
  [[ -n "$open_line" ]] || open_line="not all open: $(grep '^progress' "$log" | tail -1 || true)"
  for _ in 1 2 3; do # a few samples while the streams are open; keep the largest
    r=$(mem_kb "$pid" || echo 0); h=$(heap_kb "$pid" || echo 0)
    (( r > rss_open )) && rss_open=$r
    (( h > heap_open )) && heap_open=$h
    sleep 1
  done
  jcmd "$pid" GC.run > /dev/null || true # what is still reachable with the streams open: their real cost
  heap_live=$(heap_kb "$pid" || echo 0)
  wait "$spid" || warn "StreamSoak $label exited non-zero"
  cat "$log"
  printf '{"kind":"mem","label":"%s","rss_idle_kb":%s,"rss_open_kb":%s,"heap_used_open_kb":%s,"heap_live_open_kb":%s,"at_sample":"%s"}\n' \
    "$label" "$rss_idle" "$rss_open" "$heap_open" "$heap_live" "$open_line" >> "$RESULTS"
}

# ---- measurements ------------------------------------------------------------------------------------------------
printf '{"kind":"meta","label":"","date":"%s","cpu":"%s","cores":%s,"java":"%s","nginx":"%s","commit":"%s","duration":%s,"warmup":%s,"rate":%s,"stream_rate":%s,"streams":%s,"connections":%s,"fd_limit":"%s","quick":"%s","load_before":"%s","rounds":%s,"access_log":"%s","targets":"%s"}\n' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" \
  "$(java -version 2>&1 | head -1 | tr -d '"')" "$(nginx -v 2>&1 | sed 's/.*: //')" \
  "$(git rev-parse --short HEAD 2>/dev/null || echo none)" "$DURATION" "$WARMUP" "$RATE" "$STREAM_RATE" "$STREAMS" \
  "$CONNECTIONS" "$FD_LIMIT" "$QUICK" "$LOAD_BEFORE" "$ROUNDS" "$ACCESS_LOG" "$TARGETS" >> "$RESULTS"

for round in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    if has_cluster && { has_phase throughput || has_phase latency; }; then
      ensure_nodes "$(nodes_of "$t")" # only a clustered target's own nodes run while it is measured
    fi
    if has_phase throughput; then
      log "$t: closed-loop max throughput, LoadGen then wrk (round $round/$ROUNDS)"
      loadgen --kind throughput --label "$t" --url "$(url_of "$t")" --mode closed --connections "$CONNECTIONS" \
        --warmup "$WARMUP" --duration "$DURATION"
      run_wrk "$t"
    fi
    if has_phase latency; then
      log "$t: open-loop latency at $RATE req/s (round $round/$ROUNDS)"
      loadgen --kind latency --label "$t" --url "$(url_of "$t")" --mode open --rate "$RATE" \
        --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION"
    fi
  done

  if has_phase ttfb; then
    has_cluster && ensure_nodes 0 # the clustered nodes take no part in TTFB or soak
    log "streaming time to first byte at $STREAM_RATE streams/s, upstream pacing 8 chunks 5 ms apart (round $round/$ROUNDS)"
    if has_target direct; then
      loadgen --kind ttfb --label direct --url "http://127.0.0.1:$PACED$CHAT_PATH" --mode open --stream true \
        --rate "$STREAM_RATE" --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION"
    fi
    if has_target minimal; then
      loadgen --kind ttfb --label minimal --url "http://127.0.0.1:$MINIMAL_PACED$CHAT_PATH" --mode open --stream true \
        --rate "$STREAM_RATE" --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION"
    fi
    if has_target poolgate; then
      loadgen --kind ttfb --label poolgate --url "$(url_of poolgate)" --model bench-paced --mode open --stream true \
        --rate "$STREAM_RATE" --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION"
    fi
  fi
done

has_phase soak && has_cluster && ensure_nodes 0
has_phase soak && log "soak: $STREAMS concurrent streams, each open ~${SOAK_LIFE} s"
if has_phase soak && has_target minimal; then # the baseline's footprint for the same streams
  start minimal_soak "${BJAVA[@]}" $P.MinimalProxy --port $MINIMAL_SOAK --target-port $SLOW --pool-size "$STREAMS"
  wait_ok "http://127.0.0.1:$MINIMAL_SOAK/v1/models" || { echo "MinimalProxy (soak) did not start" >&2; exit 1; }
  soak minimal "http://127.0.0.1:$MINIMAL_SOAK$CHAT_PATH" "$PID_minimal_soak" gpt-4o-mini
  kill "$PID_minimal_soak" 2>/dev/null || true # frees its sockets before the gateway's turn
fi
if has_phase soak && has_target poolgate; then
  soak poolgate "$(url_of poolgate)" "$PID_poolgate" bench-soak
fi

has_cluster && ensure_nodes 0
printf '{"kind":"end","label":"","load_after":"%s"}\n' "$(cut -d' ' -f1 /proc/loadavg)" >> "$RESULTS"
log "report"
"${BJAVA[@]}" $P.Report "$RESULTS" > "$OUT_DIR/latest.md"
cat "$OUT_DIR/latest.md"
echo "written: $OUT_DIR/latest.md ($RESULTS has the raw figures)"
