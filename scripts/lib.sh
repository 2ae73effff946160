# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not run).

# One persistent target dir so repeat runs are incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Stage timing: `log` starts a stage; `stage_times` prints how long each took.
SCRIPT_START=$(date +%s)
STAGE_NAME=""
STAGE_START=$SCRIPT_START
STAGE_TIMES=()
finish_stage() {
    if [ -n "$STAGE_NAME" ]; then
        STAGE_TIMES+=("$(printf '%6ds  %s' "$(($(date +%s) - STAGE_START))" "$STAGE_NAME")")
    fi
    STAGE_NAME=""
}
log() {
    finish_stage
    STAGE_NAME="$*"
    STAGE_START=$(date +%s)
    printf '\n==> [%s, +%ds] %s\n' "$(date +%H:%M:%S)" "$((STAGE_START - SCRIPT_START))" "$*"
}
stage_times() {
    finish_stage
    printf '\n==> stage times\n'
    printf '%s\n' "${STAGE_TIMES[@]}"
    printf '%6ds  total\n' "$(($(date +%s) - SCRIPT_START))"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_ensure PKG...: installs the Debian packages that are missing (one apt-get update first).
apt_ensure() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing with apt: ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# Rust comes from the machine's rustup toolchain; make sure cargo is on PATH and has fmt/clippy.
rust_ensure() {
    if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
        # shellcheck disable=SC1091
        . "$HOME/.cargo/env"
    fi
    command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
    if command -v rustup >/dev/null 2>&1; then
        rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
        rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
    fi
}

# Packages every Rust build here needs: a C compiler (ring, bundled SQLite) and the
# libraries Tauri 2 links against (the workspace includes the desktop shell).
RUST_BUILD_PACKAGES=(build-essential pkg-config ca-certificates curl wget file
    libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev)

# npm_ci DIR: installs DIR's npm packages from its lockfile unless they are already there.
npm_ci() {
    if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
        (cd "$1" && npm ci --no-audit --no-fund)
    fi
}

# webview_test_ensure [PKG...]: what the WebView tests need (Tauri's build packages, Xvfb,
# D-Bus, WebKitWebDriver, ImageMagick, network namespaces, Node, tauri-driver), plus PKG.
webview_test_ensure() {
    apt_ensure "${RUST_BUILD_PACKAGES[@]}" iproute2 xvfb xauth dbus webkit2gtk-driver imagemagick "$@"
    rust_ensure
    command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
    if ! command -v tauri-driver >/dev/null 2>&1; then
        log "installing tauri-driver"
        cargo install tauri-driver --locked
    fi
}

# app_and_cli_ensure: HEARTH_APP and HEARTH_CLI may name binaries built already (scripts/test.sh
# passes the app `tauri build` made and the hearth-cli `cargo test` built); otherwise debug
# ones are built, the app with the UI embedded. Exports both.
app_and_cli_ensure() {
    if [ -z "${HEARTH_APP:-}" ]; then
        log "building the UI"
        npm_ci ui
        (cd ui && npm run build)
        log "building the app (UI embedded)"
        # custom-protocol serves the built UI from the binary instead of the dev server.
        cargo build --locked -p hearth-desktop --features tauri/custom-protocol
        HEARTH_APP="$CARGO_TARGET_DIR/debug/hearth"
    fi
    if [ -z "${HEARTH_CLI:-}" ]; then
        log "building hearth-cli"
        cargo build --locked -p hearth-client --bin hearth-cli
        HEARTH_CLI="$CARGO_TARGET_DIR/debug/hearth-cli"
    fi
    export HEARTH_APP HEARTH_CLI
}
