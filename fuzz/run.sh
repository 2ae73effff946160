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

# LeakSanitizer checks every target, after each input and at exit, except for one known false
# report that lsan.supp explains (a fully read tokio::io::duplex buffer).
# Quoted for the sanitizers' option parser, so a path with a space or a colon stays one value.
export LSAN_OPTIONS="suppressions='$PWD/lsan.supp'${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

python3 seeds.py
cargo +nightly fuzz build --debug-assertions
for target in frame_decoder request_parser join_parsers connection; do
    seeds="seeds/$target"
    [ "$target" != connection ] || seeds=sessions
    mkdir -p "corpus/$target"
    echo "fuzzing $target for ${SECONDS_PER_TARGET}s"
    log="$CARGO_TARGET_DIR/fuzz-$target.log"
    # libFuzzer's -detect_leaks only covers its per-input check; LeakSanitizer's own check when
    # the process exits follows ASAN_OPTIONS, so both are set.
    if ! ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        cargo +nightly fuzz run --debug-assertions "$target" "corpus/$target" "$seeds" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -max_len=8192 -detect_leaks=1 \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -60 "$log" >&2
        echo "fuzz target $target failed; its input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
