#!/usr/bin/env python3
"""Validate eval/caimer-real/writer-*.jsonl and print counts.

Usage: python3 eval/caimer-real/check.py [file.jsonl ...]
Without arguments every writer-*.jsonl next to this script is checked.
Each line: {"id", "writer", "style", "lang", "voice", "text", "labels"}.
Labels follow eval/caimer/GUIDE.md, in the order
context, actors, interventions, mechanisms, results.
Exits non-zero on any structural error.
"""
import collections
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
FILES = [pathlib.Path(a) for a in sys.argv[1:]] or sorted(HERE.glob("writer-*.jsonl"))

DIMS = ["context", "actors", "interventions", "mechanisms", "results"]
KEYS = {"id", "writer", "style", "lang", "voice", "text", "labels"}
STYLES = {"terse", "passive", "ocr", "report", "swedish", "prose"}
LANGS = {"fi", "sv"}
VOICES = {"client", "worker", "researcher"}

# personal data that must not appear in invented passages
PII = [
    ("identity code", re.compile(r"\b\d{6}[-+AaBCDEFYXWVU]\d{3}[0-9A-Ya-y]\b")),
    ("e-mail", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
    ("phone number", re.compile(r"(?:\+358|\b0\d{1,2})[\s-]?\d{3,4}[\s-]?\d{3,4}\b")),
]

errors, warnings = [], []
rows = []
ids = {}
texts = {}

if not FILES:
    print(f"no writer-*.jsonl files in {HERE}")
    sys.exit(1)

for path in FILES:
    m = re.fullmatch(r"writer-([a-z])\.jsonl", path.name)
    file_writer = m.group(1).upper() if m else None
    for n, line in enumerate(path.open(encoding="utf-8"), 1):
        where = f"{path.name}:{n}"
        if not line.strip():
            errors.append(f"{where}: blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: does not parse: {e}")
            continue
        if not isinstance(r, dict) or set(r) != KEYS:
            errors.append(f"{where}: keys {sorted(r) if isinstance(r, dict) else type(r)} != {sorted(KEYS)}")
            continue
        rid = r["id"]
        if not isinstance(rid, str) or not rid:
            errors.append(f"{where}: bad id {rid!r}")
        elif rid in ids:
            errors.append(f"{where}: duplicate id {rid} (first at {ids[rid]})")
        else:
            ids[rid] = where
        if file_writer and r["writer"] != file_writer:
            errors.append(f"{where}: writer {r['writer']!r} does not match file name ({file_writer!r})")
        idm = re.fullmatch(r"r([a-z])-\d{4}", rid) if isinstance(rid, str) else None
        if idm is None:
            warnings.append(f"{where}: id {rid!r} is not of the form r<writer>-NNNN")
        elif file_writer and idm.group(1).upper() != file_writer:
            errors.append(f"{where}: id {rid} has the prefix of another writer")
        if r["style"] not in STYLES:
            errors.append(f"{where}: bad style {r['style']!r}")
        if r["lang"] not in LANGS:
            errors.append(f"{where}: bad lang {r['lang']!r}")
        if r["voice"] not in VOICES:
            errors.append(f"{where}: bad voice {r['voice']!r}")
        labels = r["labels"]
        if not isinstance(labels, list) or any(l not in DIMS for l in labels):
            errors.append(f"{where}: bad labels {labels!r}")
            continue
        if labels != [d for d in DIMS if d in labels]:
            errors.append(f"{where}: labels not unique/in CAIMeR order: {labels}")
        text = r["text"]
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: empty text")
            continue
        if text != text.strip():
            warnings.append(f"{where}: leading/trailing whitespace in text")
        for what, rx in PII:
            if rx.search(text):
                errors.append(f"{where}: looks like a {what}: {rx.search(text).group(0)!r}")
        key = " ".join(text.lower().split())
        if key in texts:
            errors.append(f"{where}: duplicate text (first at {texts[key]})")
        else:
            texts[key] = where
        r["_file"] = path.name
        rows.append(r)


def show(title, counter, total):
    print(f"{title}:")
    for k, v in sorted(counter.items(), key=lambda kv: (str(kv[0]))):
        print(f"  {str(k):28s} {v:4d} ({v / total:5.1%})")


N = len(rows)
print(f"files: {', '.join(p.name for p in FILES)}")
print(f"passages: {N}")
if N:
    show("per writer", collections.Counter(r["writer"] for r in rows), N)
    show("per style", collections.Counter(r["style"] for r in rows), N)
    show("per lang", collections.Counter(r["lang"] for r in rows), N)
    show("per voice", collections.Counter(r["voice"] for r in rows), N)
    show("per writer x style", collections.Counter(f"{r['writer']} {r['style']}" for r in rows), N)
    show("per style x lang", collections.Counter(f"{r['style']} {r['lang']}" for r in rows), N)
    show("per style x voice", collections.Counter(f"{r['style']} {r['voice']}" for r in rows), N)
    print("per label (positives):")
    dc = collections.Counter(l for r in rows for l in r["labels"])
    for d in DIMS:
        sub = collections.Counter(r["lang"] for r in rows if d in r["labels"])
        print(f"  {d:14s} {dc[d]:4d} ({dc[d] / N:5.1%})   fi {sub['fi']:3d}  sv {sub['sv']:3d}")
    print("per writer x label:")
    for w in sorted({r["writer"] for r in rows}):
        wr = [r for r in rows if r["writer"] == w]
        c = collections.Counter(l for r in wr for l in r["labels"])
        print(f"  {w}: " + "  ".join(f"{d} {c[d]}" for d in DIMS) + f"   (n={len(wr)})")
    print("per style x label:")
    for s in sorted({r["style"] for r in rows}):
        sr = [r for r in rows if r["style"] == s]
        c = collections.Counter(l for r in sr for l in r["labels"])
        print(f"  {s:8s}: " + "  ".join(f"{d} {c[d]}" for d in DIMS) + f"   (n={len(sr)})")
    print("label-count histogram:", dict(sorted(collections.Counter(len(r["labels"]) for r in rows).items())))
    for w in sorted({r["writer"] for r in rows}):
        wr = [r for r in rows if r["writer"] == w]
        empty = sum(not r["labels"] for r in wr)
        multi = sum(len(r["labels"]) >= 2 for r in wr)
        print(f"writer {w}: multi-label {multi} ({multi / len(wr):.1%})   empty {empty} ({empty / len(wr):.1%})")
        if empty / len(wr) > 0.06:
            warnings.append(f"writer {w}: empty-label share {empty / len(wr):.1%} is above ~5 %")

if warnings:
    print("\nwarnings:")
    for w in warnings[:50]:
        print("  " + w)
    if len(warnings) > 50:
        print(f"  ... {len(warnings) - 50} more")
if errors:
    print("\nERRORS:")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("\nOK")
