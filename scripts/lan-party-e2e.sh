#!/usr/bin/env bash
# The LAN-party test: four "computers" (network namespaces) on one switch (a Linux bridge in
# a fifth namespace), addresses 10.77.0.0/24 inside the namespaces only: nothing leaves this
# machine and the root namespace's network is never touched.
#
#   lp-host  10.77.0.1  the desktop app: "Host a room", driven through its WebView
#   lp-app   10.77.0.2  the desktop app: finds the host in its Join list, joins, chats
#   lp-cli1  10.77.0.3  hearth-cli --discover, then joins with the link it found
#   lp-cli2  10.77.0.4  the same
#
# No address is typed anywhere: every friend finds the host through discovery alone. The
# driver (ui/e2e-tauri/lan-party.mjs) prints the time from start to the last message and
# takes screenshots of the join list and the room. Then, with multicast dropped on the
# switch (nftables), the UDP broadcast beacon alone still finds the host; with broadcast
# dropped too, the Join screen says nothing was found and which interfaces it searched.
#
# Every namespace is removed on exit, whatever happens. Needs root (CI runs as root).
# Usage: scripts/lan-party-e2e.sh   (scripts/test.sh runs it; HEARTH_APP and HEARTH_CLI may
# name binaries built already, else debug builds are made.)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

webview_test_ensure nftables
app_and_cli_ensure

# Names carry this run's PID, so a parallel or left-over run never collides.
suffix="$$"
SWITCH="lp-switch-$suffix"
MACHINES=(lp-host lp-app lp-cli1 lp-cli2)
ns_of() { echo "$1-$suffix"; }

cleanup() {
    local status=$?
    for ns in "${MACHINES[@]/%/-$suffix}" "$SWITCH"; do
        if ip netns list | grep -qw "$ns"; then
            # Everything still running in a namespace goes with it.
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    exit "$status"
}
trap cleanup EXIT INT TERM

log "LAN party: four namespaces on one bridge (10.77.0.0/24, inside the namespaces only)"
as_root ip netns add "$SWITCH"
ip -n "$SWITCH" link add lpbr type bridge
ip -n "$SWITCH" link set lpbr up
i=0
for machine in "${MACHINES[@]}"; do
    i=$((i + 1))
    ns=$(ns_of "$machine")
    ip netns add "$ns"
    # One veth pair per machine: "lan0" inside it, "port$i" on the switch.
    ip -n "$SWITCH" link add "port$i" type veth peer name lan0 netns "$ns"
    ip -n "$SWITCH" link set "port$i" master lpbr up
    ip -n "$ns" addr add "10.77.0.$i/24" dev lan0
    ip -n "$ns" link set lan0 up
    ip -n "$ns" link set lo up
done

export TAURI_DRIVER="$(command -v tauri-driver)"
export SCREENSHOT_DIR="$PWD/artifacts/screenshots"
export LP_SWITCH="$SWITCH"
export LP_SUFFIX="$suffix"
log "LAN-party run (two apps through their WebViews, two hearth-cli)"
node ui/e2e-tauri/lan-party.mjs
stage_times
