#!/usr/bin/env bash
# Runs the docs/PERFORMANCE.md measurements: every target scenario RUNS times
# (default 3), each against a fresh release hearth-server on 127.0.0.1:0, and
# prints the median of the key numbers. JSON of every run lands in $OUT.
# Heavy: run it on a quiet machine (check `uptime`), never in CI.
# Usage: crates/bench/measure.sh [RUNS] [SCENARIO...]
#   SERVER=PATH measures another hearth-server binary (an older build, for a before/after
#   comparison) with this hearth-bench; SERVER_FLAGS="..." adds flags to every server start.
#   SCENARIO: fanout-max-100 fanout-open-100 fanout-max-500 fanout-open-500
#             idle-10k logins-100 logins-100-cheap logins-tokens files
#             floor-open-100 (no server: the kernel's cost per write, 1 to 4 messages per write)
#             (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${1:-3}
shift || true
OUT=${OUT:-/tmp/hearth-bench-results}
mkdir -p "$OUT"
# The persistent target dir the other scripts use (scripts/lib.sh says which).
. scripts/lib.sh
cargo build --release --locked -p hearth-server -p hearth-bench
BIN=$CARGO_TARGET_DIR/release
CHEAP=(--argon2-memory-kib 64 --argon2-iterations 1)

server_pid=
work=
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
    [ -z "$work" ] || rm -rf "$work"
    work=
}
trap stop_server EXIT

# start_server FLAGS...: a fresh server in a temp dir, flood control off.
start_server() {
    work=$(mktemp -d)
    "${SERVER:-$BIN/hearth-server}" --listen 127.0.0.1:0 --data-dir "$work/data" --msg-rate 0 "$@" ${SERVER_FLAGS:-} \
        >"$work/out" 2>/dev/null &
    server_pid=$!
    for _ in $(seq 100); do
        grep -q '^listening on ' "$work/out" && break
        sleep 0.1
    done
    addr=$(sed -n 's/^listening on //p' "$work/out")
    [ -n "$addr" ] || { echo "server did not start" >&2; exit 1; }
}

# Percent of CPU time idle over one second, machine-wide: whether the machine is quiet.
idle_pct() {
    local a b
    read -r -a a < <(head -1 /proc/stat)
    sleep 1
    read -r -a b < <(head -1 /proc/stat)
    local total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo $((100 * (b[4] - a[4]) / (total > 0 ? total : 1)))
}

# scenario NAME "SERVER FLAGS" BENCH ARGS...: a fresh server per run; with SERVER FLAGS
# "no-server", none (hearth-bench floor talks to no server).
scenario() {
    local name=$1 server_flags=$2 target
    shift 2
    # Results of an earlier measurement with more runs would join the medians.
    rm -f "$OUT/$name"-[0-9]*.json
    for run in $(seq "$RUNS"); do
        target=()
        if [ "$server_flags" != no-server ]; then
            # shellcheck disable=SC2086 # server flags are words on purpose
            start_server $server_flags
            target=(--addr "$addr" --insecure --server-pid "$server_pid")
        fi
        echo "== $name run $run (cpu idle before: $(idle_pct)%, load: $(cut -d' ' -f1-3 /proc/loadavg))"
        "$BIN/hearth-bench" "${target[@]}" --json "$OUT/$name-$run.json" "$@" \
            || echo "($name run $run reported problems)"
        stop_server
        sleep 1
    done
}

all=(fanout-max-100 fanout-open-100 fanout-max-500 fanout-open-500 idle-10k logins-100 logins-100-cheap logins-tokens files floor-open-100)
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${all[@]}")
for s in "${selected[@]}"; do
    case $s in
    fanout-max-100) scenario "$s" "${CHEAP[*]}" fanout --users 100 --senders 1 --messages 200000 ;;
    fanout-open-100) scenario "$s" "${CHEAP[*]}" fanout --users 100 --senders 100 --rate 2000 --messages 30000 ;;
    fanout-max-500) scenario "$s" "${CHEAP[*]}" fanout --users 500 --senders 1 --messages 40000 ;;
    fanout-open-500) scenario "$s" "${CHEAP[*]}" fanout --users 500 --senders 50 --rate 500 --messages 5000 ;;
    idle-10k) scenario "$s" "${CHEAP[*]} --max-connections 12000" idle --connections 10000 --hold 10 ;;
    logins-100) scenario "$s" "" logins --users 500 --concurrency 100 --with-chat ;;
    logins-100-cheap) scenario "$s" "${CHEAP[*]}" logins --users 500 --concurrency 100 --with-chat ;;
    logins-tokens) scenario "$s" "" logins --users 100 --concurrency 100 --tokens --with-chat --chat-users 10 --chat-rate 200 ;;
    files) scenario "$s" "${CHEAP[*]}" files --size-mib 100 --downloaders 5 --chat-users 20 --chat-rate 20 ;;
    floor-open-100)
        # No server: the same pattern of writes as fanout-open-100, nothing else.
        for per_write in 1 2 3 4; do
            scenario "$s-x$per_write" no-server floor --users 100 --rate 2000 --messages 30000 --per-write "$per_write"
            selected+=("$s-x$per_write")
        done ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
done

# Medians of the numbers the targets are about.
python3 - "$OUT" "${selected[@]}" <<'EOF'
import glob, json, re, statistics, sys
out, names = sys.argv[1], sys.argv[2:]
keys = ["deliveries_per_s", "server_cpu_us_per_delivery", "writer_cpu_us_per_write", "writer_cpu_us_per_delivery", "messages_per_s", "latency_us.p50", "latency_us.p99", "latency_us.p999", "latency_us.max",
        "latency_from_write_us.p99", "send_lag_us.p99", "loadgen_cpu_util", "server_cpu_util", "server_sys_s", "server_cpu_s", "others_cpu_util",
        "server_rss_per_conn_kib", "connections_alive", "connections_per_s", "logins_per_s", "upload_mb_per_s",
        "download_mb_per_s", "parallel_downloads_mb_per_s_total", "chat_latency_us.p99",
        "chat_latency_us.max", "chat_latency_from_write_us.p99"]
def get(d, k):
    for part in k.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d
for name in names:
    files = sorted(f for f in glob.glob(f"{out}/{name}-*.json") if re.fullmatch(re.escape(name) + r"-\d+\.json", f.rsplit("/", 1)[-1]))
    runs = [json.load(open(f)) for f in files]
    if not runs:
        continue
    print(f"{name}: median of {len(runs)} runs on {runs[0].get('cpu', 'an unrecorded CPU')}")
    for k in keys:
        vals = [v for v in (get(r, k) for r in runs) if isinstance(v, (int, float))]
        if vals:
            print(f"  {k:32} {statistics.median(vals):>14,.2f}   (runs: {', '.join(f'{v:,.0f}' if v >= 100 else f'{v:.3f}' for v in vals)})")
EOF
