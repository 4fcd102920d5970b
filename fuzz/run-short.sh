#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 20); exits non-zero on a crash.
# Needs a nightly toolchain (cargo-fuzz builds with sanitizers).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in front_matter csv_form redact; do
  # Work on a copy of the seeds so that the committed corpus stays small.
  work="$(mktemp -d)"
  cp fuzz/corpus/"$target"/* "$work"/
  cargo +nightly fuzz run "$target" "$work" -- -max_total_time="$secs"
  rm -rf "$work"
done
