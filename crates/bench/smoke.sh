#!/usr/bin/env bash
# Smoke run of every hearth-bench scenario against a fresh hearth-server on
# 127.0.0.1:0 (temp data dir, flood control off, cheap Argon2). Checks only
# that each scenario completes and its JSON holds numbers: benchmarks are not
# timed tests. Exits non-zero on any failure.
# Usage: crates/bench/smoke.sh        (PROFILE=release to use release builds)
set -euo pipefail
cd "$(dirname "$0")/../.."

PROFILE=${PROFILE:-debug}
build_flags=(--locked -p hearth-server -p hearth-bench)
if [ "$PROFILE" = release ]; then build_flags+=(--release); fi
cargo build "${build_flags[@]}"
BIN=${CARGO_TARGET_DIR:-$PWD/target}/$PROFILE

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "smoke: FAILED: $*" >&2
    if [ -f "$work/server.err" ]; then
        echo "--- server stderr (last 20 lines) ---" >&2
        tail -n 20 "$work/server.err" >&2
    fi
    exit 1
}

"$BIN/hearth-server" --listen 127.0.0.1:0 --data-dir "$work/data" --msg-rate 0 \
    --argon2-memory-kib 64 --argon2-iterations 1 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 300); do
    grep -q '^listening on ' "$work/server.out" && break
    kill -0 "$server_pid" 2>/dev/null || fail "hearth-server exited during start-up"
    sleep 0.1
done
addr=$(sed -n 's/^listening on //p' "$work/server.out")
code=$(sed -n 's/^join code //p' "$work/server.out")
[ -n "$addr" ] || fail "hearth-server did not print its address"
[ -n "$code" ] || fail "hearth-server did not print its join code"
echo "smoke: server pid $server_pid on $addr"

# has_number FILE KEY: the pretty JSON has "KEY": <number>.
has_number() {
    grep -Eq "\"$2\": -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?,?$" "$1"
}

# scenario NAME ARGS...: runs hearth-bench, then checks its JSON.
scenario() {
    local name=$1
    shift
    echo "smoke: $name: hearth-bench $*"
    timeout 180 "$BIN/hearth-bench" --addr "$addr" --timeout 120 --json "$work/$name.json" "$@" \
        || fail "$name exited with status $?"
    for key in deliveries_per_s p50 p99 p999 max loadgen_cpu_s wall_s; do
        has_number "$work/$name.json" "$key" || fail "$name: JSON has no number for $key"
    done
    grep -q '"problems": \[\]' "$work/$name.json" || fail "$name: problems reported"
}

scenario fanout --code "$code" fanout --users 10 --senders 2 --messages 50
scenario fanout-rate --insecure fanout --users 10 --senders 10 --messages 100 --rate 200
scenario logins --insecure logins --users 10 --concurrency 5 --with-chat --chat-users 4 --chat-rate 100
scenario logins-tokens --insecure logins --users 10 --concurrency 10 --tokens --with-chat --chat-users 4 --chat-rate 100
scenario files --insecure files --size-mib 3 --downloaders 2 --chat-users 4 --chat-rate 20
for key in upload_mb_per_s download_mb_per_s parallel_downloads_mb_per_s_total; do
    has_number "$work/files.json" "$key" || fail "files: JSON has no number for $key"
done
scenario idle --insecure --server-pid "$server_pid" idle --connections 50 --hold 2 --room-size 20
has_number "$work/idle.json" server_rss_per_conn_bytes || fail "idle: no server RSS per connection"
grep -Eq '"connections_alive": 50,?$' "$work/idle.json" || fail "idle: not every connection stayed alive"
# No server: the kernel's cost per write (it dials only its own loopback listener).
scenario floor floor --users 4 --messages 200 --rate 4000 --per-write 2
has_number "$work/floor.json" writer_cpu_us_per_delivery || fail "floor: no writer CPU per delivery"
grep -Eq '"deliveries": 800,?$' "$work/floor.json" || fail "floor: not every block arrived"

# Only loopback targets: anything else is refused before a packet is sent.
if "$BIN/hearth-bench" --addr 192.0.2.1:7878 --insecure fanout >/dev/null 2>"$work/refused.err"; then
    fail "a non-loopback --addr was accepted"
fi
grep -q "not a loopback address" "$work/refused.err" || fail "non-loopback refusal did not say why"
# A wrong join code fails the handshake.
if "$BIN/hearth-bench" --addr "$addr" --code 0000-0000-0000-0000 --timeout 30 fanout --users 2 >/dev/null 2>&1; then
    fail "a wrong --code was accepted"
fi

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
echo "smoke: all hearth-bench scenarios completed and reported numbers"
