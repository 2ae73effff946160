#!/usr/bin/env bash
# Installs whatever is missing, then runs every check and test Hearth has.
# Usage: scripts/test.sh        (CI runs this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
trap stage_times EXIT

apt_ensure "${RUST_BUILD_PACKAGES[@]}"
rust_ensure

log "cargo fmt --check"
cargo fmt --all -- --check
(cd fuzz && cargo fmt -- --check)

log "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "Windows-only code compiles and is lint-clean: clippy --target x86_64-pc-windows-gnu"
# The network profile and firewall probes (hearth-discovery) and the fullscreen check
# (the desktop shell) are Windows-only; mingw's gcc builds ring's C for the target.
rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
apt_ensure gcc-mingw-w64-x86-64
cargo clippy --locked --target x86_64-pc-windows-gnu -p hearth-discovery -p hearth-desktop -- -D warnings

log "layering: only the desktop shell may depend on tauri or keyring; the protocol stays pure"
# deps LIB: every package LIB pulls in for normal builds, one name per line.
deps() { cargo tree -p "$1" -e normal --prefix none --format '{p}' --locked | awk '{print $1}' | sort -u; }
for lib in hearth-protocol hearth-storage hearth-server hearth-certs hearth-client; do
    if deps "$lib" | grep -Eqx 'tauri|tauri-[a-z-]+|keyring'; then
        echo "$lib must not depend on tauri or keyring" >&2
        exit 1
    fi
done
if deps hearth-protocol | grep -Eqx 'mio|socket2|rustls|tokio-rustls|rusqlite'; then
    echo "hearth-protocol must stay pure (no sockets, TLS or SQLite)" >&2
    exit 1
fi
if deps hearth-client | grep -Eqx 'rusqlite|hearth-storage'; then
    echo "hearth-client must not depend on storage" >&2
    exit 1
fi

log "cargo test (unit + integration, real TLS on 127.0.0.1, SQLite in temp dirs; also fails when ui/src/lib/backend/generated.ts or ui/tests/fixtures are stale)"
# util-linux's `script` gives hearth-cli a terminal in its typing status-line test.
apt_ensure bsdutils
cargo test --workspace --locked

log "the original Python client's frame model against a real hearth-server"
python3 -c 'import pydantic' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'pydantic>=2,<3'
# `cargo test` built the binary already (the server's integration tests run it).
python3 scripts/python-compat.py "$CARGO_TARGET_DIR/debug/hearth-server"

log "fuzzing: every cargo-fuzz target for 30 s (nightly toolchain; a new crash fails the run)"
fuzz/run.sh 30

if [ -x crates/bench/smoke.sh ]; then
    log "benchmark smoke run (completes and reports numbers; not a timed test)"
    crates/bench/smoke.sh
fi
# The app's memory floor (BLANK=1 scripts/measure-app.sh) repeats webview.rs's settings: it
# must still read them all.
python3 scripts/webkit-floor.py --list >/dev/null

log "UI: svelte-check, vitest, Playwright in Chromium"
# Node 20 and npm come with this machine's image; Debian's own nodejs is only a fallback.
command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
# The emoji font, so reactions render in the Chromium screenshots (not boxes).
apt_ensure chromium fonts-noto-color-emoji
npm_ci ui
(cd ui && npm run check && npm test && npm run e2e)

log "desktop app: tauri build --bundles deb (the desktop profile, as users get it)"
npm_ci src-tauri
(cd src-tauri && npx tauri build --bundles deb -- --profile desktop)
ls -l "$CARGO_TARGET_DIR"/desktop/bundle/deb/*.deb

log "desktop app: WebView end-to-end test (the .deb's binary, under Xvfb)"
# The app just built, and the hearth-cli that `cargo test` built (its tests run it).
HEARTH_APP="$CARGO_TARGET_DIR/desktop/hearth" HEARTH_CLI="$CARGO_TARGET_DIR/debug/hearth-cli" \
    scripts/desktop-e2e.sh

log "LAN party: four network namespaces find the host by discovery alone, chat, and say why when nothing is found"
HEARTH_APP="$CARGO_TARGET_DIR/desktop/hearth" HEARTH_CLI="$CARGO_TARGET_DIR/debug/hearth-cli" \
    scripts/lan-party-e2e.sh

log "all checks passed"
