#!/usr/bin/env bash
# Measures the desktop app as a user meets it: time to the first painted screen and the memory
# of the idle start screen, over every process of the app.
#
#   first paint: the app is started under a fresh Xvfb and the screen is captured every 50 ms
#                until it shows the start screen (more than 64 distinct colours: text has
#                anti-aliased edges, a blank or single-colour window does not);
#   PSS:         5 s after the first paint, `Pss` from /proc/PID/smaps_rollup of the app and
#                every process it started (WebKitWebProcess, WebKitNetworkProcess), summed.
#
# Runs RUNS times (default 3) and prints each run and the medians. With COLD=1 (root) the page
# cache is dropped before each start, as after a reboot. Needs the app built with the UI
# embedded; HEARTH_APP names it (default: the release binary `tauri build` makes).
# Heavy on a busy machine: run it quiet, never in CI.
# Usage: scripts/measure-app.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

RUNS=${1:-3}
APP=${HEARTH_APP:-$CARGO_TARGET_DIR/release/hearth}
[ -x "$APP" ] || { echo "no app at $APP (build it: cd src-tauri && npx tauri build --bundles deb)" >&2; exit 1; }
apt_ensure xvfb xauth dbus imagemagick

# pids_of ROOT: ROOT and all its descendants.
pids_of() {
    local all=("$1") i=0 child
    while [ $i -lt ${#all[@]} ]; do
        for child in $(cat /proc/"${all[$i]}"/task/*/children 2>/dev/null); do all+=("$child"); done
        i=$((i + 1))
    done
    echo "${all[@]}"
}

one_run() {
    local run=$1 display=$((90 + run)) home shot start painted now
    home=$(mktemp -d)
    shot="$home/shot.png"
    Xvfb ":$display" -screen 0 1100x740x24 -nolisten tcp >/dev/null 2>&1 &
    local xvfb=$!
    while [ ! -e "/tmp/.X11-unix/X$display" ]; do sleep 0.05; done
    if [ "${COLD:-0}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
    start=$(date +%s%N)
    DISPLAY=":$display" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
        XDG_CACHE_HOME="$home/cache" \
        setsid dbus-run-session -- "$APP" >/dev/null 2>&1 &
    # Its own process group (setsid), so the session bus and whatever it started go with it.
    local session=$!
    painted=
    for _ in $(seq 400); do
        import -display ":$display" -window root "$shot" 2>/dev/null || true
        now=$(date +%s%N)
        if [ -s "$shot" ] && [ "$(identify -format %k "$shot" 2>/dev/null || echo 0)" -gt 64 ]; then
            painted=$(((now - start) / 1000000))
            break
        fi
        sleep 0.05
    done
    sleep 5
    # The app is the session's child whose executable is $APP (matching by command line could
    # pick another program whose path starts the same, such as hearth-bench).
    local app_pid="" total=0 name pss child exe
    exe=$(readlink -f "$APP")
    for child in $(pgrep -P "$session"); do
        [ "$(readlink -f /proc/"$child"/exe 2>/dev/null)" = "$exe" ] && app_pid=$child
    done
    local report=""
    if [ -n "$app_pid" ]; then
        for pid in $(pids_of "$app_pid"); do
            pss=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
            name=$(cat /proc/"$pid"/comm 2>/dev/null || echo "?")
            total=$((total + ${pss:-0}))
            report+=" $name=$((${pss:-0} / 1024))MiB"
        done
    fi
    echo "run $run: first paint ${painted:-none} ms; PSS total $((total / 1024)) MiB:$report"
    echo "$run ${painted:-0} $((total / 1024))" >> "$RESULTS"
    kill -- -"$session" 2>/dev/null || true
    sleep 1
    kill -KILL -- -"$session" 2>/dev/null || true
    kill "$xvfb" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$home"
}

RESULTS=$(mktemp)
echo "app: $APP; cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; cold: ${COLD:-0}"
for run in $(seq "$RUNS"); do one_run "$run"; done
python3 - "$RESULTS" <<'EOF'
import statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(f"median of {len(rows)}: first paint {statistics.median(r[1] for r in rows):.0f} ms, "
      f"PSS {statistics.median(r[2] for r in rows):.0f} MiB")
EOF
rm -f "$RESULTS"
