#!/usr/bin/env bash
# bench.sh — stampede's L7 balancer against haproxy, and against no balancer.
#
#   targets/lb/bench/bench.sh                 # from the repository root
#   ROUNDS=5 DURATION=10 targets/lb/bench/bench.sh
#
# Both balancers front the same N backends (one Go process, bench/backend),
# round robin, keep-alive to the backends, one CPU each: stampede with
# GOMAXPROCS=1, haproxy with nbthread 1, both pinned to LB_CPU. wrk and the
# backends share CLIENT_CPU, so the balancer is what is measured.
#
# It reports, per target:
#   * added latency, unloaded: wrk -t1 -c1, p50 and p99, vs the backend direct;
#   * throughput and latency under load: wrk -t1 -c$CONNS -d$DURATION,
#     median of $ROUNDS rounds, the targets interleaved within each round;
#   * the balancer's CPU time per request (from /proc), which noise from
#     other processes on the machine does not inflate as much as throughput.
#
# Safety: everything listens on and talks to 127.0.0.1 only; every process is
# wrapped in `timeout` and exits by itself; only the processes started here
# are stopped, by PID. The machine may be shared: it waits (up to
# QUIET_MAX_WAIT s) for the CPUs to be idle before each run, and runs again
# (up to RETRIES times) any run during which other processes used more than
# FOREIGN_MAX_PCT of a CPU; the foreign% column shows what was left.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-64}"
ROUNDS="${ROUNDS:-3}"
BACKENDS="${BACKENDS:-4}"
BODY="${BODY:-64}"
CLIENT_CPU="${CLIENT_CPU:-0}"
LB_CPU="${LB_CPU:-1}"
BASE_PORT="${BASE_PORT:-19001}"
LB_PORT="${LB_PORT:-18100}"
HAPROXY_PORT="${HAPROXY_PORT:-18200}"
QUIET_PCT="${QUIET_PCT:-15}"
QUIET_MAX_WAIT="${QUIET_MAX_WAIT:-120}"
FOREIGN_MAX_PCT="${FOREIGN_MAX_PCT:-15}"
RETRIES="${RETRIES:-2}"
LIFE=$(( ((DURATION + 8) * ROUNDS * 3 + 30 + QUIET_MAX_WAIT * (ROUNDS * 3 + 3)) * (RETRIES + 1) ))

log() { printf '[lb-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { log "wrk not found"; exit 1; }
command -v haproxy >/dev/null || { log "haproxy not found: apt-get install -y haproxy"; exit 1; }

WORK="$(mktemp -d /tmp/stampede-lb-bench.XXXXXX)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

log "building into $WORK"
(cd "$ROOT" && go build -o "$WORK/backend" ./targets/lb/bench/backend && go build -o "$WORK/balancer" ./targets/lb/bench/balancer)

urls=() servers=""
for i in $(seq 0 $((BACKENDS - 1))); do
    port=$((BASE_PORT + i))
    urls+=("http://127.0.0.1:$port")
    servers+="    server b$((i + 1)) 127.0.0.1:$port"$'\n'
done
cat >"$WORK/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
    option forwardfor
    http-reuse always
frontend fe
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend be
backend be
    balance roundrobin
$servers
EOF

# start NAME CPU CMD...: runs CMD pinned, bounded by timeout; records the PID.
start() {
    local name=$1 cpu=$2; shift 2
    timeout "$LIFE" taskset -c "$cpu" "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    eval "PID_$name=$!"
}
GOMAXPROCS=1 start backend "$CLIENT_CPU" "$WORK/backend" -n "$BACKENDS" -port "$BASE_PORT" -size "$BODY" -max "${LIFE}s"
GOMAXPROCS=1 start stampede "$LB_CPU" "$WORK/balancer" -addr "127.0.0.1:$LB_PORT" -policy round-robin \
    -backends "$(IFS=,; echo "${urls[*]}")" -max "${LIFE}s"
start haproxy "$LB_CPU" haproxy -f "$WORK/haproxy.cfg" -db

declare -A URL=(
    [direct]="http://127.0.0.1:$BASE_PORT/"
    [stampede]="http://127.0.0.1:$LB_PORT/"
    [haproxy]="http://127.0.0.1:$HAPROXY_PORT/"
)
for t in direct stampede haproxy; do
    for _ in $(seq 100); do curl -sf -o /dev/null "${URL[$t]}" && break; sleep 0.1; done
    curl -sf -o /dev/null "${URL[$t]}" || { log "$t does not answer at ${URL[$t]}"; cat "$WORK"/*.log >&2; exit 1; }
done
hdr="$(curl -s -D - -o /dev/null "${URL[stampede]}" | tr -d '\r' | grep -i '^x-backend' || true)"
log "all up; through stampede: $hdr"

# The PIDs of the balancers themselves (children of timeout).
lbpid() { pgrep -P "$1" | head -1; }
CPUPID_stampede="$(lbpid "$PID_stampede")"
CPUPID_haproxy="$(lbpid "$PID_haproxy")"
CPUPID_direct="$(lbpid "$PID_backend")"

busy_pct() { # busy % of all CPUs over 1 s, in % of one CPU
    local a b
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local total=0 idle=$(( (b[4] + b[5]) - (a[4] + a[5]) ))
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( 100 * (total - idle) * $(nproc) / (total > 0 ? total : 1) ))
}
wait_quiet() {
    local waited=0 pct
    while pct=$(busy_pct); [ "$pct" -gt "$QUIET_PCT" ] && [ "$waited" -lt "$QUIET_MAX_WAIT" ]; do
        waited=$((waited + 1))
        if [ $((waited % 10)) -eq 1 ]; then log "machine busy (${pct}% of a CPU), waiting"; fi
    done
    return 0
}
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# run_once TARGET CONNS SECONDS: one wrk run; prints
# "rps p50_ms p99_ms cpu_us_per_req foreign_pct", where foreign_pct is the
# CPU (in % of one CPU) used meanwhile by processes other than wrk, the
# backends and the balancer under test.
run_once() {
    local t=$1 c=$2 d=$3 pid before after rps busy0 busy1 wpid wticks=0 be0 be1 mine=0
    pid="$(eval echo "\$CPUPID_$t")"
    before=$(cputicks "$pid"); be0=$(cputicks "$CPUPID_direct"); busy0=$(busy_ticks)
    timeout $((d + 10)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$c" -d"${d}s" --latency "${URL[$t]}" >"$WORK/wrk.out" &
    wpid=$!
    while kill -0 "$wpid" 2>/dev/null; do
        wticks=$(cputicks "$(pgrep -P "$wpid" wrk || echo "$wpid")" 2>/dev/null || echo "$wticks")
        sleep 0.2
    done
    wait "$wpid" || true
    after=$(cputicks "$pid"); be1=$(cputicks "$CPUPID_direct"); busy1=$(busy_ticks)
    mine=$(( after - before + wticks ))
    [ "$t" != direct ] && mine=$(( mine + be1 - be0 ))
    rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk.out")
    awk -v rps="$rps" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v d="$d" \
        -v foreign=$(( busy1 - busy0 - mine )) '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        / 50%/ {p50 = ms($2)} / 99%/ {p99 = ms($2)}
        END { f = 100 * foreign / hz / d; if (f < 0) f = 0
              printf "%.0f %.3f %.3f %.1f %.0f\n", rps, p50, p99, (rps > 0 ? ticks / hz * 1e6 / (rps * d) : 0), f }' "$WORK/wrk.out"
}

# run TARGET CONNS SECONDS: run_once, retried (RETRIES times) while other
# processes took more than FOREIGN_MAX_PCT of a CPU during the run.
run() {
    local out foreign i
    for i in $(seq 0 "$RETRIES"); do
        wait_quiet
        out="$(run_once "$@")"
        foreign=$(awk '{print $5}' <<<"$out")
        [ "$foreign" -le "$FOREIGN_MAX_PCT" ] && break
        if [ "$i" -lt "$RETRIES" ]; then
            log "$1: other processes used ${foreign}% of a CPU during the run, running it again"
        else
            log "$1: other processes used ${foreign}% of a CPU during the run, kept anyway (see foreign%)"
        fi
    done
    echo "$out"
}

echo
echo "== added latency, unloaded (wrk -t1 -c1 -d5s), ms"
printf '%-9s %8s %8s %9s\n' target p50 p99 foreign%
declare -A L50 L99
for t in direct stampede haproxy; do
    read -r _ p50 p99 _ foreign < <(run "$t" 1 5)
    L50[$t]=$p50 L99[$t]=$p99
    printf '%-9s %8s %8s %9s\n' "$t" "$p50" "$p99" "$foreign"
done
for t in stampede haproxy; do
    awk -v n="$t" -v a="${L50[$t]}" -v b="${L50[direct]}" -v c="${L99[$t]}" -v d="${L99[direct]}" \
        'BEGIN { printf "%-9s adds p50 %+.3f ms, p99 %+.3f ms\n", n, a - b, c - d }'
done

echo
echo "== throughput (wrk -t1 -c$CONNS -d${DURATION}s), $ROUNDS rounds, interleaved"
printf '%-6s %-9s %9s %9s %9s %11s %9s\n' round target req/s p50_ms p99_ms cpu_us/req foreign%
: >"$WORK/rounds.txt"
for r in $(seq "$ROUNDS"); do
    order="stampede haproxy direct"
    [ $((r % 2)) -eq 0 ] && order="haproxy stampede direct"
    for t in $order; do
        read -r rps p50 p99 cpu foreign < <(run "$t" "$CONNS" "$DURATION")
        printf '%-6s %-9s %9s %9s %9s %11s %9s\n' "$r" "$t" "$rps" "$p50" "$p99" "$cpu" "$foreign"
        echo "$t $rps $p50 $p99 $cpu" >>"$WORK/rounds.txt"
    done
done
echo
echo "== medians"
for t in direct stampede haproxy; do
    awk -v t="$t" '$1 == t' "$WORK/rounds.txt" | sort -k2 -n | awk -v t="$t" '
        { r[NR] = $2; p50[NR] = $3; p99[NR] = $4; cpu[NR] = $5 }
        END { m = int((NR + 1) / 2); printf "%-9s %9s req/s  p50 %s ms  p99 %s ms  cpu %s us/req\n", t, r[m], p50[m], p99[m], cpu[m] }'
done | tee "$WORK/medians.txt"
awk '$1 == "stampede" {s = $2} $1 == "haproxy" {h = $2}
     END { if (h > 0) printf "stampede / haproxy throughput: %.2f (goal: at least 0.50)\n", s / h }' "$WORK/medians.txt"
log "logs and raw rounds in $WORK"
