#!/usr/bin/env bash
# Runs kooste on the example project shipped in this repository: builds the binary, ingests
# the raw material in inbox/ (removing the invented personal data in it) and shows what the
# corpus holds, indexes it and searches it. Later steps (digest, serve) join here as they are built.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
kooste=target/release/kooste

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
