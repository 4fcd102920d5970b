#!/usr/bin/env python3
"""Validate eval/caimer/labelled.jsonl and print label statistics.

Usage: python3 eval/caimer/check.py [labelled.jsonl] [example-passages.jsonl]
Exits non-zero on any structural error.
"""
import collections
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
LABELLED = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "labelled.jsonl"
SOURCE = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else pathlib.Path("/tmp/example-passages.jsonl")

DIMS = ["context", "actors", "interventions", "mechanisms", "results"]
KEYS = {"id", "lang", "voice", "text", "labels"}
errors = []


def err(msg):
    errors.append(msg)


source = {}
if SOURCE.exists():
    for line in SOURCE.open(encoding="utf-8"):
        r = json.loads(line)
        source[r["id"]] = r
else:
    print(f"warning: {SOURCE} not found; example-corpus ids are not verified")

rows, ids = [], set()
for n, line in enumerate(LABELLED.open(encoding="utf-8"), 1):
    try:
        r = json.loads(line)
    except json.JSONDecodeError as e:
        err(f"line {n}: does not parse: {e}")
        continue
    if set(r) != KEYS:
        err(f"line {n}: keys {sorted(r)} != {sorted(KEYS)}")
        continue
    if r["id"] in ids:
        err(f"line {n}: duplicate id {r['id']}")
    ids.add(r["id"])
    if r["lang"] not in ("fi", "sv"):
        err(f"line {n}: bad lang {r['lang']!r}")
    if r["voice"] not in ("client", "worker", "researcher"):
        err(f"line {n}: bad voice {r['voice']!r}")
    if not isinstance(r["labels"], list) or any(l not in DIMS for l in r["labels"]):
        err(f"line {n}: bad labels {r['labels']!r}")
    elif r["labels"] != [d for d in DIMS if d in r["labels"]]:
        err(f"line {n}: labels not unique/sorted in CAIMeR order: {r['labels']}")
    if not r["text"].strip():
        err(f"line {n}: empty text")
    if re.fullmatch(r"eval-\d{3}", r["id"]):
        pass  # invented passage
    elif source:
        s = source.get(r["id"])
        if s is None:
            err(f"line {n}: id {r['id']} not in {SOURCE}")
        else:
            if s["text"] != r["text"]:
                err(f"line {n}: text of {r['id']} differs from source")
            if s["lang"] != r["lang"] or s["voice"] != r["voice"]:
                err(f"line {n}: lang/voice of {r['id']} differ from source")
            if len(s["text"].split()) < 6:
                err(f"line {n}: {r['id']} has fewer than 6 words")
    rows.append(r)

N = len(rows)
corpus = [r for r in rows if not r["id"].startswith("eval-")]
new = [r for r in rows if r["id"].startswith("eval-")]
print(f"passages: {N}  (example corpus {len(corpus)}, invented {len(new)})")
if source:
    print(f"example-corpus documents covered: {len({r['id'].split('#')[0] for r in corpus})}"
          f" of {len({s['id'].split('#')[0] for s in source.values()})}")
print("per dimension (positives):")
dc = collections.Counter(l for r in rows for l in r["labels"])
for d in DIMS:
    sub = collections.Counter(r["lang"] for r in rows if d in r["labels"])
    print(f"  {d:14s} {dc[d]:4d}   fi {sub['fi']:3d}  sv {sub['sv']:3d}")
lc = collections.Counter(r["lang"] for r in rows)
print("per language:", {k: f"{v} ({v / N:.1%})" for k, v in sorted(lc.items())})
vc = collections.Counter(r["voice"] for r in rows)
print("per voice:", {k: f"{v} ({v / N:.1%})" for k, v in sorted(vc.items())})
print("per language x voice:", dict(sorted(collections.Counter((r["lang"], r["voice"]) for r in rows).items())))
multi = sum(len(r["labels"]) >= 2 for r in rows)
empty = sum(not r["labels"] for r in rows)
print(f"multi-label (>=2): {multi} ({multi / N:.1%})   empty: {empty} ({empty / N:.1%})")
print("label-count histogram:", dict(sorted(collections.Counter(len(r["labels"]) for r in rows).items())))

# targets from the brief
if N < 200:
    err(f"fewer than 200 passages ({N})")
if lc["sv"] / N < 0.35:
    err(f"Swedish share {lc['sv'] / N:.1%} < 35 %")
if multi / N < 0.25:
    err(f"multi-label share {multi / N:.1%} < 25 %")
if empty / N >= 0.05:
    err(f"empty-label share {empty / N:.1%} >= 5 %")
for d in DIMS:
    if dc[d] < 45:
        err(f"{d}: only {dc[d]} positives (< 45)")

if errors:
    print("\nERRORS:")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("\nOK")
