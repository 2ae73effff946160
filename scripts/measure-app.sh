#!/usr/bin/env bash
# Measures the desktop app as a user meets it: time to the first painted screen and the memory
# of the idle start screen, over every process of the app; with HOSTING=1, the memory while it
# hosts a room with friends connected.
#
#   first paint: the app is started under a fresh Xvfb and the screen is captured every 50 ms
#                until it shows the start screen (more than 64 distinct colours: text has
#                anti-aliased edges, a blank or single-colour window does not);
#   PSS:         5 s after the first paint, `Pss` from /proc/PID/smaps_rollup of the app and
#                every process it started (WebKitWebProcess, WebKitNetworkProcess), summed.
#
# HOSTING=1: the app is driven as a user would (ui/e2e-tauri/measure-hosting.mjs, through
# tauri-driver + WebKitWebDriver, as the WebView end-to-end test drives it): it hosts a room,
# creates the room "games" and stays in it; FRIENDS (default 4) hearth-cli friends join with
# the join code, register, log in, enter "games", say two lines each and stay connected. PSS is
# taken 5 s after the app shows every friend's lines, summed the same way (the app and what it
# started: not the driver, not the friends). Hosting announces the room on the LAN, so each run
# happens in a network namespace of its own with only loopback, as scripts/desktop-e2e.sh does.
# STAGES=1 (with HOSTING): also the memory 5 s after each step on the way there (the start
# screen, the host form, the host panel, the lobby, the room, the friends' lines), per run and
# as medians, to tell which step costs what.
# WEBDRIVER=1 (without HOSTING): the idle start screen, under the same automation, so what
# WebDriver itself adds to the app is known (no first paint in either: the driver starts it).
# BLANK=1: not the app but its floor, scripts/webkit-floor.py: WebKitGTK with the app's
# environment and WebKit settings, its window, one line of text; measured as the idle app is,
# so the difference is what Hearth's own code and UI cost, with what Tauri and wry add to a
# bare WebView (their IPC scripts, the app's URI scheme).
#
# Runs RUNS times (default 3) and prints each run and the medians, per process too. With COLD=1
# (root) the page cache is dropped before each start, as after a reboot. Needs the app built
# with the UI embedded; HEARTH_APP names it (default: the binary `tauri build -- --profile desktop`
# makes, as scripts/test.sh builds it),
# HEARTH_CLI the hearth-cli HOSTING=1 uses (default: the debug one `cargo build` makes).
# With SMAPS_DIR=DIR, each measured process's /proc/PID/smaps is saved there too
# (runN-NAME.smaps; after a step, runN-STEP-NAME.smaps), for scripts/smaps-breakdown.py to say what the PSS is made of.
# Heavy on a busy machine: run it quiet, never in CI.
# Usage: scripts/measure-app.sh [RUNS]
#        HOSTING=1 [FRIENDS=4] [STAGES=1] scripts/measure-app.sh [RUNS]
#        WEBDRIVER=1 scripts/measure-app.sh [RUNS]
#        BLANK=1 scripts/measure-app.sh [RUNS]
set -euo pipefail
# SMAPS_DIR as the caller meant it, before the cd below.
if [ -n "${SMAPS_DIR:-}" ]; then mkdir -p "$SMAPS_DIR" && SMAPS_DIR=$(cd "$SMAPS_DIR" && pwd); fi
cd "$(dirname "$0")/.."
. scripts/lib.sh

RUNS=${1:-3}
APP=${HEARTH_APP:-$CARGO_TARGET_DIR/desktop/hearth}
# The executable that identifies the app among the session's processes (set below).
APP_EXE=
if [ "${BLANK:-0}" = 1 ]; then
    [ "${HOSTING:-0}" != 1 ] && [ "${WEBDRIVER:-0}" != 1 ] || { echo "BLANK=1 measures the idle floor only" >&2; exit 2; }
    [ -z "${HEARTH_APP:-}" ] || { echo "BLANK=1 measures scripts/webkit-floor.py, not HEARTH_APP" >&2; exit 2; }
    APP=scripts/webkit-floor.py
    apt_ensure python3-gi gir1.2-webkit2-4.1
    APP_EXE=$(readlink -f /usr/bin/python3)
fi
CLI=${HEARTH_CLI:-$CARGO_TARGET_DIR/debug/hearth-cli}
FRIENDS=${FRIENDS:-4}
MODE=idle
if [ "${HOSTING:-0}" = 1 ]; then MODE=hosting; elif [ "${WEBDRIVER:-0}" = 1 ]; then MODE=webdriver; fi
[ "${STAGES:-0}" != 1 ] || [ "$MODE" = hosting ] || { echo "STAGES=1 needs HOSTING=1: the steps are those on the way to hosting" >&2; exit 2; }
[ -x "$APP" ] || { echo "no app at $APP (build it: cd src-tauri && npx tauri build --bundles deb -- --profile desktop)" >&2; exit 1; }
[ -n "$APP_EXE" ] || APP_EXE=$(readlink -f "$APP")
apt_ensure xvfb xauth dbus imagemagick
if [ "$MODE" != idle ]; then
    # What the WebView test needs to drive the app (see webview_test_ensure), short of the
    # build tools: nothing is built here.
    apt_ensure iproute2 webkit2gtk-driver
    command -v node >/dev/null 2>&1 || apt_ensure nodejs
    command -v tauri-driver >/dev/null 2>&1 || { echo "no tauri-driver (cargo install tauri-driver --locked)" >&2; exit 1; }
    [ "$MODE" = webdriver ] || [ -x "$CLI" ] || { echo "no hearth-cli at $CLI (build it: cargo build -p hearth-client --bin hearth-cli)" >&2; exit 1; }
fi

# pids_of ROOT: ROOT and all its descendants.
pids_of() {
    local all=("$1") i=0 child
    while [ $i -lt ${#all[@]} ]; do
        # shellcheck disable=SC2013 # the children file is one line of space-separated ids
        for child in $(cat /proc/"${all[$i]}"/task/*/children 2>/dev/null); do all+=("$child"); done
        i=$((i + 1))
    done
    echo "${all[@]}"
}

# What one run started, for stop_run; a trap calls it too, so an interrupted or failed run
# leaves nothing behind.
SESSION="" XVFB="" NETNS="" HOME_DIR=""
stop_run() {
    if [ -n "$SESSION" ]; then
        kill -- -"$SESSION" 2>/dev/null || true
        sleep 1
        kill -KILL -- -"$SESSION" 2>/dev/null || true
    fi
    if [ -n "$NETNS" ]; then
        # Whatever left the process group (a daemon that called setsid) is still in the namespace.
        for pid in $(ip netns pids "$NETNS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$NETNS" 2>/dev/null || true
    fi
    [ -z "$XVFB" ] || kill "$XVFB" 2>/dev/null || true
    wait 2>/dev/null || true
    [ -z "$HOME_DIR" ] || rm -rf "$HOME_DIR"
    SESSION="" XVFB="" NETNS="" HOME_DIR=""
}
trap 'stop_run; rm -f "${RESULTS:-}" "${PROCS:-}" "${PAINTS:-}" "${STEPS:-}"' EXIT
trap 'exit 130' INT TERM

# measure RUN LABEL [STEP]: sums the PSS of the app (the process under $SESSION running $APP)
# and its descendants; prints the run, appends to $RESULTS and $PROCS, or with STEP (a step on
# the way, STAGES=1) to $STEPS.
measure() {
    local run=$1 label=$2 step=${3:-} app_pid="" total=0 name pss pid exe report=""
    # By its executable: matching by command line could pick another program whose path starts
    # the same (such as hearth-bench); under WebDriver the app is WebKitWebDriver's child.
    exe=$APP_EXE
    for pid in $(pids_of "$SESSION"); do
        [ "$(readlink -f /proc/"$pid"/exe 2>/dev/null)" = "$exe" ] && app_pid=$pid
    done
    if [ -z "$app_pid" ]; then
        echo "run $run: $label; no app process found"
        return 1
    fi
    for pid in $(pids_of "$app_pid"); do
        pss=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
        # The executable's name: comm is cut at 15 characters (WebKitWebProces).
        name=$(basename "$(readlink /proc/"$pid"/exe 2>/dev/null || cat /proc/"$pid"/comm 2>/dev/null || echo "?")")
        total=$((total + ${pss:-0}))
        report+=" $name=$(((${pss:-0} + 512) / 1024))MiB"
        [ -n "$step" ] || echo "$run $name ${pss:-0}" >> "$PROCS"
        # A process may end between the listing and the copy: then there is nothing to save.
        [ -z "${SMAPS_DIR:-}" ] || cp /proc/"$pid"/smaps "$SMAPS_DIR/run$run${step:+-$step}-$name.smaps" 2>/dev/null || true
    done
    # Rounded to the nearest MiB, as the medians are.
    echo "run $run: $label; PSS total $(((total + 512) / 1024)) MiB:$report"
    if [ -n "$step" ]; then echo "$run $step $total" >> "$STEPS"; else echo "$run $total" >> "$RESULTS"; fi
}

# The default mode: the app started as from the desktop, the first paint timed from its start.
one_run() {
    local run=$1 display shot start painted now
    display=$(free_display "$run")
    HOME_DIR=$(mktemp -d)
    shot="$HOME_DIR/shot.png"
    Xvfb ":$display" -screen 0 1100x740x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB=$!
    while [ ! -e "/tmp/.X11-unix/X$display" ]; do sleep 0.05; done
    if [ "${COLD:-0}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
    start=$(date +%s%N)
    DISPLAY=":$display" XDG_DATA_HOME="$HOME_DIR/data" XDG_CONFIG_HOME="$HOME_DIR/config" \
        XDG_CACHE_HOME="$HOME_DIR/cache" \
        setsid dbus-run-session -- "$APP" >/dev/null 2>&1 &
    # Its own process group (setsid), so the session bus and whatever it started go with it.
    SESSION=$!
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
    if measure "$run" "first paint ${painted:-none} ms"; then
        echo "$run ${painted:-0}" >> "$PAINTS"
    else
        FAILED=$((FAILED + 1))
    fi
    stop_run
}

# HOSTING=1 and WEBDRIVER=1: measure-hosting.mjs puts the app in the state and holds it there
# until told the measuring is done.
driven_run() {
    local run=$1 display start ready="" status=0 step
    display=$(free_display "$run")
    HOME_DIR=$(mktemp -d)
    Xvfb ":$display" -screen 0 1100x740x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB=$!
    while [ ! -e "/tmp/.X11-unix/X$display" ]; do sleep 0.05; done
    # Only loopback in it, so the room's announcements reach no real network. Xvfb stays
    # outside: the app reaches it through its socket file, which namespaces share.
    NETNS="hearth-measure-$$-$run"
    as_root ip netns add "$NETNS"
    ip -n "$NETNS" link set lo up
    if [ "${COLD:-0}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
    start=$(date +%s%N)
    DISPLAY=":$display" XDG_DATA_HOME="$HOME_DIR/data" XDG_CONFIG_HOME="$HOME_DIR/config" \
        XDG_CACHE_HOME="$HOME_DIR/cache" HEARTH_APP="$APP" HEARTH_CLI="$CLI" \
        TAURI_DRIVER="$(command -v tauri-driver)" MEASURE_DIR="$HOME_DIR" FRIENDS="$FRIENDS" \
        MEASURE_MODE="$DRIVEN" MEASURE_STEPS="${STAGES:-0}" \
        setsid ip netns exec "$NETNS" dbus-run-session -- node ui/e2e-tauri/measure-hosting.mjs \
        > "$HOME_DIR/driver.log" 2>&1 &
    # Its own process group, as in one_run (`ip netns exec` execs what it runs).
    SESSION=$!
    for _ in $(seq 1800); do
        if [ -e "$HOME_DIR/ready" ]; then ready=$((($(date +%s%N) - start) / 1000000)); break; fi
        if [ -e "$HOME_DIR/step" ]; then
            # A step on the way (STAGES=1): measured as the end is, then the driver goes on.
            # The driver renames the file into place, so it is whole; an empty name would make
            # this the final measurement, so it fails the run instead.
            step=$(cat "$HOME_DIR/step" 2>/dev/null || true)
            if [ -n "$step" ]; then
                sleep 5
                measure "$run" "after step $step" "$step" || status=1
            else
                echo "run $run: a step without a name"
                status=1
            fi
            rm -f "$HOME_DIR/step"
        fi
        kill -0 "$SESSION" 2>/dev/null || break
        sleep 0.1
    done
    if [ -n "$ready" ]; then
        sleep 5
        # With STAGES=1 the driver waited at each step, so "ready" says little about speed.
        local paused=""
        [ "${STAGES:-0}" != 1 ] || paused=" (the pauses at the steps included)"
        measure "$run" "$LABEL, ready after $ready ms$paused" || status=1
        touch "$HOME_DIR/done"
        # It ends the session, the friends and the driver, and fails if a friend dropped out
        # meanwhile (then the numbers are not those of the whole party).
        for _ in $(seq 150); do kill -0 "$SESSION" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$SESSION" 2>/dev/null; then status=1; else wait "$SESSION" || status=1; fi
    else
        echo "run $run: $LABEL; never got ready"
        status=1
    fi
    if [ "$status" != 0 ]; then
        FAILED=$((FAILED + 1))
        # A measurement taken before the failure does not count.
        sed -i "/^$run /d" "$RESULTS" "$PROCS" "$STEPS"
        echo "run $run failed; the driver said:"
        tail -n 40 "$HOME_DIR/driver.log"
    fi
    stop_run
}

# free_display RUN: an X display number no server uses, from 90 + RUN.
free_display() {
    local display=$((90 + $1))
    while [ -e "/tmp/.X$display-lock" ] || [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done
    echo "$display"
}

RESULTS=$(mktemp)
PROCS=$(mktemp)
PAINTS=$(mktemp)
STEPS=$(mktemp)
FAILED=0
case $MODE in
    hosting) LABEL="hosting, $FRIENDS friends connected, under WebDriver" DRIVEN=hosting ;;
    webdriver) LABEL="idle start screen under WebDriver" DRIVEN=idle ;;
    *) LABEL="idle start screen"; [ "${BLANK:-0}" != 1 ] || LABEL="the WebKitGTK floor (scripts/webkit-floor.py)" ;;
esac
echo "app: $APP; cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; cold: ${COLD:-0}; measuring: $LABEL"
for run in $(seq "$RUNS"); do
    if [ "$MODE" = idle ]; then one_run "$run"; else driven_run "$run"; fi
done
python3 - "$RESULTS" "$PROCS" "$PAINTS" "$LABEL" "$STEPS" <<'EOF'
import collections, statistics, sys
totals = [int(l.split()[1]) for l in open(sys.argv[1]) if l.strip()]
paints = [int(l.split()[1]) for l in open(sys.argv[3]) if l.strip()]
procs = collections.defaultdict(lambda: collections.defaultdict(int))
for l in open(sys.argv[2]):
    if l.strip():
        run, name, kib = l.split()
        procs[name][run] += int(kib)  # one process of that name per run, or their sum
if not totals:
    sys.exit(f"no run measured ({sys.argv[4]})")
paint = f"first paint {statistics.median(paints):.0f} ms, " if paints else ""
each = ", ".join(f"{n} {statistics.median(v.values()) / 1024:.0f} MiB" for n, v in procs.items())
print(f"median of {len(totals)} ({sys.argv[4]}): {paint}PSS {statistics.median(totals) / 1024:.0f} MiB: {each}")
steps = collections.defaultdict(list)  # in the order the steps came
for l in open(sys.argv[5]):
    if l.strip():
        run, step, kib = l.split()
        steps[step].append(int(kib))
for step, kib in steps.items():
    print(f"  after step {step}: PSS {statistics.median(kib) / 1024:.1f} MiB (median of {len(kib)})")
EOF
rm -f "$RESULTS" "$PROCS" "$PAINTS" "$STEPS"
[ "$FAILED" = 0 ] || { echo "$FAILED run(s) failed" >&2; exit 1; }
