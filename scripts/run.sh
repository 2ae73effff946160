#!/usr/bin/env bash
# Installs whatever is missing, builds Hearth and launches it.
# Until the desktop app lands (src-tauri/), this starts the headless server
# with its data in ~/.local/share/hearth-server and prints the join code.
# Usage: scripts/run.sh [hearth-server flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_ensure "${RUST_BUILD_PACKAGES[@]}"
rust_ensure

log "building hearth-server (release)"
cargo build --release --locked -p hearth-server
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/hearth-server"
log "starting hearth-server (Ctrl-C stops it); data in $data_dir"
if [ "$#" -eq 0 ]; then set -- --listen 0.0.0.0:7878; fi
exec "$CARGO_TARGET_DIR/release/hearth-server" --data-dir "$data_dir" "$@"
