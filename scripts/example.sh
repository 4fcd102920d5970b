#!/usr/bin/env bash
# Runs kooste on the example project shipped in this repository: builds the binary, ingests
# the raw material in inbox/ (removing the invented personal data in it) and shows what the
# corpus holds, indexes it and searches it. Later steps (digest, serve) join here as they are built.
set -euo pipefail
cd "$(dirname "$0")/.."
# KOOSTE_PROFILE=debug runs the debug build instead (CI: the one its tests built already).
if [ "${KOOSTE_PROFILE:-release}" = debug ]; then
  cargo build --locked --quiet
  kooste="${CARGO_TARGET_DIR:-target}/debug/kooste"
else
  cargo build --release --locked --quiet
  kooste="${CARGO_TARGET_DIR:-target}/release/kooste"
fi

echo "== ingest: the round of workshop 3, as it arrived"
# Markdown files carry their own metadata; the CSV forms and the plain-text memo get it here.
"$kooste" ingest inbox/rannikko-3/*.md inbox/rannikko-3/*.csv --workshop rannikko-3
"$kooste" ingest inbox/rannikko-3/puhelinmuistio.txt --workshop rannikko-3 --voice worker --theme ihanne --lang fi

echo
echo "== status"
"$kooste" status

echo
echo "== index: every passage, with Finnish and Swedish analysis (only what changed is redone)"
"$kooste" index

echo
echo "== search: any inflected form, compounds, OCR-damaged text; facets per voice and dimension"
"$kooste" search "kotikäynti" --limit 3
"$kooste" search "asiakkaat tulla kuulluksi" --voice client --limit 2

echo
echo "== Excel, Word and a survey export, read into a project of their own"
# examples/office/ holds invented files as Excel and Word write them (made by
# crates/kooste-ingest/examples/office_examples.rs): a form as a sheet and as a Word table,
# a worker's memo, and a Webropol-style export with its mapping (asiakaspalaute-webropol.survey.toml,
# found beside it). They go into a scratch project under target/, so the example corpus
# above stays as it is.
office=target/example/office-project
rm -rf "$office"
mkdir -p target/example
"$kooste" init "$office" >/dev/null
cp participants.toml "$office/"
cp workshops/batteries/asiakaspalaute.toml "$office/workshops/batteries/"
"$kooste" --project "$office" ingest examples/office/asp-paiva-kevat.xlsx examples/office/asp-paiva-lomake.docx \
  examples/office/asiakaspalaute-webropol.xlsx
"$kooste" --project "$office" ingest examples/office/kotikaynnit-muistio.docx --voice worker
"$kooste" --project "$office" status | tail -n 4

echo
echo "== digest: what the researchers present at the start of workshops 2, 3 and 4"
# Each digest covers the previous workshop's round; HTML for presenting and printing,
# Markdown for reading and editing. They go under target/, which git ignores.
out=target/example
mkdir -p "$out"
for w in rannikko-2 rannikko-3 rannikko-4; do
  "$kooste" digest "$w" --format html -o "$out/kooste-$w.html" >/dev/null
  "$kooste" digest "$w" --format md -o "$out/kooste-$w.md" >/dev/null
  "$kooste" digest "$w" --format html --lang sv -o "$out/kooste-$w.sv.html" >/dev/null
done
echo "digests written to $(pwd)/$out:"
ls "$out"/kooste-*

echo
echo "== development steps: the list, and what is being tried now"
"$kooste" steps --status in-trial

echo
echo "== web app: forms, search, review and digests in the browser"
# Demo accounts for the example project, made once (users.toml is git-ignored; never commit
# one). Passwords: tutkija / tutkija-demo (researcher), tyontekija / tyontekija-demo
# (worker), osallistuja / osallistuja-demo (participant, a client: answers the batteries'
# client questions, reads and comments on published digests).
if [ ! -f users.toml ]; then
  echo tutkija-demo | "$kooste" user add tutkija --role researcher
  echo tyontekija-demo | "$kooste" user add tyontekija --role worker
  echo osallistuja-demo | "$kooste" user add osallistuja --role participant --voice client
fi
if [ -n "${CI:-}" ]; then
  # In CI: start the server on a free port, fetch the login page, stop it.
  log=$(mktemp)
  "$kooste" serve --addr 127.0.0.1:0 >"$log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | head -n 1 || true)
    [ -n "$url" ] && break
    sleep 0.2
  done
  if [ -z "$url" ] || ! curl -fsS "${url}login" | grep -q 'name="csrf_token"'; then
    echo "the web app did not serve its login page" >&2
    cat "$log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  echo "served the login page at ${url}login"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
else
  echo "Open http://127.0.0.1:8080/ and sign in as tutkija / tutkija-demo. Ctrl-C stops the server."
  "$kooste" serve
fi
