#!/usr/bin/env bash
# Installs whatever is missing, builds the Hearth desktop app (UI embedded) and launches it.
# Usage: scripts/run.sh
# (The headless server instead: cargo run --release -p hearth-server -- --data-dir DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_ensure "${RUST_BUILD_PACKAGES[@]}"
rust_ensure
command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm

log "building the UI"
npm_ci ui
(cd ui && npm run build)

log "building the desktop app (the desktop profile, as users get it)"
# custom-protocol serves the built UI from inside the binary.
cargo build --profile desktop --locked -p hearth-desktop --features tauri/custom-protocol

log "starting Hearth"
exec "$CARGO_TARGET_DIR/desktop/hearth" "$@"
