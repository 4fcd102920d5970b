#!/usr/bin/env bash
# The kill tests as a soak: `kooste ingest` and `kooste serve` killed (SIGKILL) at random
# moments, seed after seed, until at least INGEST_KILLS kills of ingest and SERVE_KILLS of
# serve have landed, part of it with the CPU loaded by busy loops beside the tests. Every
# failing round is kept (the project as the kill left it and at the failure, the seed, the
# round, the kill delay and the assertion message) under the folder named at the end.
#
#   scripts/soak.sh                      # 1000 ingest kills, 200 serve kills, seeds 2001...
#   scripts/soak.sh --ingest-kills 100 --serve-kills 20 --first-seed 7
#   scripts/soak.sh --loaded 50          # share of the seeds run with the CPU loaded, in %
#   scripts/soak.sh --busy 2             # busy loops beside the loaded seeds
#   scripts/soak.sh --out DIR            # logs, tallies and failures (else target/soak/TIME)
#   scripts/soak.sh --release            # the release build (kooste as installed; faster)
#   scripts/soak.sh --minutes 25         # start no seed after 25 minutes (targets may be missed)
#
# Per seed, one run of each kill test (the two run side by side, as in the whole suite) with
# KOOSTE_FAULT_ROUNDS ingest rounds and KOOSTE_FAULT_SERVE_ROUNDS serve rounds; an ingest
# that ends on its own before its kill is not counted as a kill. Exit status 0 when no
# round failed. The debug build, as CI tests it, unless --release. Meant for quiet hours: it
# keeps both cores busy.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
ingest_target=1000
serve_target=200
seed=2001
loaded=50
busy=2
ingest_rounds=40
serve_rounds=8
out=""
profile=()
minutes_max=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ingest-kills) ingest_target=$2; shift 2 ;;
    --serve-kills) serve_target=$2; shift 2 ;;
    --first-seed) seed=$2; shift 2 ;;
    --loaded) loaded=$2; shift 2 ;;
    --busy) busy=$2; shift 2 ;;
    --ingest-rounds) ingest_rounds=$2; shift 2 ;;
    --serve-rounds) serve_rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --release) profile=(--release); shift ;;
    --minutes) minutes_max=$2; shift 2 ;;
    *) echo "scripts/soak.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done
target_dir=${CARGO_TARGET_DIR:-$root/target}
out=${out:-$target_dir/soak/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out/logs" "$out/failures"
out=$(cd "$out" && pwd)
tally="$out/tally.txt"
: >"$tally"

cd "$root"
echo "soak: building the fault tests"
cargo nextest run -p kooste --test fault --no-run --locked "${profile[@]}" >"$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; exit 1; }

# Busy loops beside a loaded seed; only the ones this script started are stopped.
busy_pids=()
start_busy() {
  for _ in $(seq "$busy"); do
    ( while :; do :; done ) &
    busy_pids+=("$!")
  done
}
stop_busy() {
  for pid in "${busy_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  busy_pids=()
}
trap stop_busy EXIT

# Sums a column of the tally over one test's lines (optionally only loaded or quiet seeds).
sum() { # TEST FIELD [MODE]
  awk -v t="$1" -v f="$2" -v m="${3:-}" '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    index(v["test"], t) == 1 && (m == "" || v["mode"] == m) { s += v[f] }
    END { print s + 0 }' "$tally"
}

started=$(date -u +%s)
seeds=()
n=0
while :; do
  ingest_kills=$(sum ingest killed)
  serve_kills=$(sum serve killed)
  [ "$ingest_kills" -ge "$ingest_target" ] && [ "$serve_kills" -ge "$serve_target" ] && break
  if [ "$minutes_max" -gt 0 ] && [ $(( $(date -u +%s) - started )) -ge $(( minutes_max * 60 )) ]; then
    echo "soak: $minutes_max minutes are up; the targets were not reached" >&2
    break
  fi
  filter=()
  [ "$ingest_kills" -lt "$ingest_target" ] && filter+=(kill::ingest_killed_at_any_moment_leaves_every_document_whole)
  [ "$serve_kills" -lt "$serve_target" ] && filter+=(kill::serve_killed_during_submissions_keeps_every_form_answered_saved)
  # Spread the loaded seeds: with --loaded 50, every other one.
  if [ $(( (n * loaded) / 100 )) -lt $(( ((n + 1) * loaded) / 100 )) ]; then
    mode=loaded
    start_busy
  else
    mode=quiet
  fi
  log="$out/logs/seed-$seed.log"
  part="$out/logs/seed-$seed.tally"
  : >"$part"
  set +e
  KOOSTE_FAULT_SEED=$seed KOOSTE_FAULT_ROUNDS=$ingest_rounds \
    KOOSTE_FAULT_SERVE_ROUNDS=$serve_rounds KOOSTE_FAULT_KEEP="$out/failures" \
    KOOSTE_FAULT_LOG="$part" \
    cargo nextest run -p kooste --test fault --locked --no-fail-fast "${profile[@]}" \
    --success-output final --failure-output final "${filter[@]}" >"$log" 2>&1
  status=$?
  set -e
  [ "$mode" = loaded ] && stop_busy
  # A test that died without writing its tally (a crash of the test itself) is a failure.
  for t in "${filter[@]}"; do
    name=${t#kill::}
    grep -q "test=$name " "$part" \
      || echo "test=$name seed=$seed rounds=0 killed=0 ended=0 failed=true" >>"$part"
  done
  sed "s/\$/ mode=$mode/" "$part" >>"$tally"
  seeds+=("$seed")
  printf 'soak: seed %s (%s): %s; ingest kills %s/%s, serve kills %s/%s\n' \
    "$seed" "$mode" "$([ $status -eq 0 ] && echo passed || echo FAILED)" \
    "$(sum ingest killed)" "$ingest_target" "$(sum serve killed)" "$serve_target"
  seed=$((seed + 1))
  n=$((n + 1))
done

failed=$(grep -c 'failed=true' "$tally" || true)
minutes=$(( ($(date -u +%s) - started + 59) / 60 ))
{
  echo "kooste fault soak, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates tests || echo ' (with uncommitted changes)')"
  echo "machine: $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "build: ${profile[*]:-debug}; seeds: ${seeds[0]}..${seeds[-1]} (${#seeds[@]}), ingest rounds $ingest_rounds and serve rounds $serve_rounds per seed, $busy busy loops beside ${loaded}% of the seeds"
  for m in quiet loaded; do
    echo "  $m: kooste ingest killed $(sum ingest killed $m) times ($(sum ingest ended $m) runs ended before their kill), kooste serve killed $(sum serve killed $m) times"
  done
  echo "in all: kooste ingest killed $(sum ingest killed) times, kooste serve killed $(sum serve killed) times, in $minutes minutes"
  echo "failed runs: $failed"
  echo "repeat: scripts/soak.sh --ingest-kills $ingest_target --serve-kills $serve_target --first-seed ${seeds[0]} --loaded $loaded --busy $busy --ingest-rounds $ingest_rounds --serve-rounds $serve_rounds ${profile[*]}"
  echo "logs: $out/logs; failing rounds: $out/failures"
} | tee "$out/summary.txt"
# The same as a Markdown table, for bench/results.md.
{
  echo "| CPU | seeds | kills of kooste ingest | ingests that ended before their kill | kills of kooste serve | failed runs |"
  echo "|---|---:|---:|---:|---:|---:|"
  for m in quiet loaded; do
    label=$([ "$m" = quiet ] && echo "as the machine was" || echo "$busy busy loops beside")
    nseeds=$(awk -v m="$m" '$0 ~ "mode="m"$" { split($2, kv, "="); s[kv[2]] = 1 } END { print length(s) }' "$tally")
    echo "| $label | $nseeds | $(sum ingest killed $m) | $(sum ingest ended $m) | $(sum serve killed $m) | $(grep "mode=$m\$" "$tally" | grep -c 'failed=true' || true) |"
  done
  echo "| in all | ${#seeds[@]} | $(sum ingest killed) | $(sum ingest ended) | $(sum serve killed) | $failed |"
} >"$out/summary.md"
cat "$out/summary.md"
if [ "$failed" -gt 0 ]; then
  echo "soak: $failed run(s) failed; each failing round is kept in $out/failures:" >&2
  ls -1 "$out/failures" >&2
  exit 1
fi
