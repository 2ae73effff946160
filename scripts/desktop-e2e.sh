#!/usr/bin/env bash
# The desktop app's real end-to-end test: builds the UI, the app (with the UI embedded)
# and hearth-cli, then drives the app in WebKitGTK through tauri-driver + WebKitWebDriver,
# under Xvfb and a private D-Bus session (ui/e2e-tauri/run.mjs). Installs what is missing.
# Screenshots go to artifacts/screenshots/tauri-*.png.
# Usage: scripts/desktop-e2e.sh        (scripts/test.sh runs it too)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# Tauri 2 on Debian/Ubuntu, plus the headless test tools.
# openbox, wmctrl and xclock: a window manager and a "game" set fullscreen, for the
# notification digest step.
webview_test_ensure openbox wmctrl x11-apps
app_and_cli_ensure

log "WebView end-to-end test (Xvfb + D-Bus session + tauri-driver)"
export TAURI_DRIVER="$(command -v tauri-driver)"
export SCREENSHOT_DIR="$PWD/artifacts/screenshots"
# Hosting announces the room on the LAN: the test runs in a network namespace of its own
# with only loopback, so nothing it does reaches this machine's network.
NETNS="hearth-e2e-$$"
remove_netns() {
    for pid in $(ip netns pids "$NETNS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$NETNS" 2>/dev/null || true
}
trap remove_netns EXIT
as_root ip netns add "$NETNS"
ip -n "$NETNS" link set lo up
# The screen is the window's size, so the screenshots show just the app.
ip netns exec "$NETNS" xvfb-run --auto-servernum --server-args="-screen 0 1100x740x24" \
    dbus-run-session -- node ui/e2e-tauri/run.mjs
