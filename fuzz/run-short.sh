#!/usr/bin/env bash
# Runs every fuzz target for a short while; exits non-zero if any target crashes.
# Usage: fuzz/run-short.sh [SECONDS_PER_TARGET]   (default 20)
# KOOSTE_FUZZ_SANITIZER=address builds with AddressSanitizer; the default, none, builds in
# about half the time and runs several times more inputs per second. kooste's own code is
# safe Rust, so a crash is a panic, which either build catches.
# Runs on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc accept the -Z flags
# cargo-fuzz passes (sanitizer, coverage), so CI needs no nightly.
set -euo pipefail

secs="${1:-20}"
sanitizer="${KOOSTE_FUZZ_SANITIZER:-none}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."   # cargo-fuzz expects to run from the directory that contains fuzz/

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Fresh working corpora, so the committed seeds in fuzz/corpus stay small.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

status=0
for target in front_matter csv_form redact search_text web_form markdown_text; do
    extra=()
    if [[ -f "fuzz/dict/$target.dict" ]]; then
        extra+=("-dict=fuzz/dict/$target.dict")
    fi
    mkdir -p "$work/$target"
    echo "=== $target (${secs}s)"
    if ! RUSTC_BOOTSTRAP=1 cargo fuzz run -s "$sanitizer" "$target" "$work/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$secs" "${extra[@]}"; then
        echo "!!! $target crashed; the input is in fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit "$status"
