#!/usr/bin/env bash
# Runs every fuzz target for a fixed time, so that a new crash fails the build.
# Installs the nightly toolchain (rustup) and cargo-fuzz (crates.io) if missing.
# Usage: fuzz/run.sh [SECONDS_PER_TARGET]   (default 30; scripts/test.sh runs it)
# A crash leaves its input in fuzz/artifacts/<target>/; reproduce it with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-30}"
# Sanitizer builds never share artifacts with the main workspace's.
export CARGO_TARGET_DIR="${HEARTH_FUZZ_TARGET_DIR:-$HOME/.cache/hearth/fuzz-target}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

python3 seeds.py
cargo +nightly fuzz build --debug-assertions
for target in frame_decoder request_parser join_parsers connection; do
    seeds="seeds/$target"
    leaks=1
    if [ "$target" = connection ]; then
        seeds=sessions
        # A whole server runs across inputs (one runtime, a blocking pool, the message
        # writer thread), so memory legitimately outlives an input and LeakSanitizer's
        # per-input check reports intermittent false positives; ASan still checks every access.
        leaks=0
    fi
    mkdir -p "corpus/$target"
    echo "fuzzing $target for ${SECONDS_PER_TARGET}s"
    log="$CARGO_TARGET_DIR/fuzz-$target.log"
    # libFuzzer's -detect_leaks only covers its per-input check; LeakSanitizer's own check when
    # the process exits follows ASAN_OPTIONS, so both are set.
    if ! ASAN_OPTIONS="detect_leaks=$leaks${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        cargo +nightly fuzz run --debug-assertions "$target" "corpus/$target" "$seeds" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -max_len=8192 -detect_leaks="$leaks" \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -60 "$log" >&2
        echo "fuzz target $target failed; its input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
