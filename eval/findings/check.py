#!/usr/bin/env python3
"""Validate passages.jsonl against README.md and print counts.

Usage: python3 check.py [passages.jsonl] [README.md]
Exit code 1 if any error is found. Warnings (coverage targets) do not fail.
"""
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSAGES = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "passages.jsonl"
README = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "README.md"

FIELDS = ["id", "part", "writer", "theme", "lang", "voice", "text", "matter"]
PARTS = {"tune", "heldout"}
WRITERS = {"A", "B"}
THEMES = ["osallisuus", "ihanne", "kehittamisaskeleet", "kotikaynnit"]
LANGS = ["fi", "sv"]
VOICES = ["client", "worker", "researcher"]

# The most obvious keyword stems of each matter, used only to report how many
# passages of a matter avoid them (target: about half). Written with this set.
OBVIOUS = {
    "paihteet": r"päih|rusmed|missbruk|\bmissbrukar",
    "asuminen": r"asun|asumi|bostad|boende|\bbo\b",
    "raha": r"raha|pengar",
    "tyo": r"\btyö(?!nteki)|työttöm|työpaik|työelä|\barbete\b|\barbets(?!tagar)|\barbeta|\bjobb",
    "terveys": r"terve|hälsa|sjuk",
    "perhe": r"perhe|familj",
    "yksinaisyys": r"yksinä|ensam",
    "palvelujarjestelma": r"palvelu|tjänst|\bservice",
    "suhde": r"luotta|kuunnel|kuuntel|förtro|lyssna",
    "vertaistuki": r"vertai|kamrat",
    "kotikaynnit": r"kotikäyn|hembesök",
    "osallisuus": r"osalli|delaktig",
    "tyontekijat": r"resurs|kuormit|arbetsbelastning|työmäär",
    "tieto": r"tieto|tiedon|tutki|forskning|kunskap|forskar",
}

PII = [
    ("identity code", re.compile(r"\b\d{6}[-+AaBbCcDdEeFfYyXxWwVvU]\d{3}[0-9A-Ya-y]\b")),
    ("phone number", re.compile(r"(?:\+358|\b0)\s?\d{1,3}[\s-]?\d{3,4}[\s-]?\d{3,4}\b")),
    ("e-mail", re.compile(r"\S+@\S+\.\w+")),
]


def readme_matters(path):
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`([a-z_]+)`\s*\|", line)
        if m:
            ids.append(m.group(1))
    return ids


def main():
    errors, warnings = [], []
    matters = readme_matters(README)
    if not matters:
        errors.append(f"no matters found in {README}")
    if len(set(matters)) != len(matters):
        errors.append("duplicate matter ids in README")
    mset = set(matters)

    rows = []
    for n, line in enumerate(PASSAGES.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: empty line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: bad JSON: {e}")
            continue
        if not isinstance(r, dict):
            errors.append(f"line {n}: not an object")
            continue
        if sorted(r) != sorted(FIELDS):
            errors.append(f"line {n}: fields {sorted(r)} != {sorted(FIELDS)}")
            continue
        if not all(isinstance(r[k], str) for k in FIELDS):
            errors.append(f"line {n}: all values must be strings")
            continue
        r["_line"] = n
        rows.append(r)

    ids, texts = Counter(), Counter()
    for r in rows:
        n = r["_line"]
        if not re.fullmatch(r"f-\d{3}", r["id"]):
            errors.append(f"line {n}: bad id {r['id']!r}")
        ids[r["id"]] += 1
        texts[" ".join(r["text"].lower().split())] += 1
        for k, allowed in (("part", PARTS), ("writer", WRITERS), ("theme", THEMES),
                           ("lang", LANGS), ("voice", VOICES), ("matter", mset)):
            if r[k] not in allowed:
                errors.append(f"line {n}: {k}={r[k]!r} not allowed")
        wc = len(r["text"].split())
        if not 3 <= wc <= 60:
            errors.append(f"line {n}: text has {wc} words (3-60)")
        if r["text"] != r["text"].strip():
            errors.append(f"line {n}: text has leading/trailing space")
        for what, rx in PII:
            if rx.search(r["text"]):
                errors.append(f"line {n}: looks like a {what}: {r['text']!r}")
        if r["writer"] == "B" and r["part"] != "heldout":
            errors.append(f"line {n}: writer B must be heldout")
    for i, c in ids.items():
        if c > 1:
            errors.append(f"id {i} occurs {c} times")
    for t, c in texts.items():
        if c > 1:
            errors.append(f"text occurs {c} times: {t!r}")

    # ids in writing order, writer A before writer B
    order = [int(r["id"][2:]) for r in rows if re.fullmatch(r"f-\d{3}", r["id"])]
    if order != sorted(order):
        warnings.append("ids are not in ascending order")
    wr = [r["writer"] for r in rows]
    if "B" in wr and "A" in wr[wr.index("B"):]:
        warnings.append("writer A passages after writer B")

    # the split of writer A: README gives the seed
    import random
    expect = set(random.Random(4711).sample(range(1, 171), 34))
    got = {int(r["id"][2:]) for r in rows
           if r["writer"] == "A" and r["part"] == "heldout" and re.fullmatch(r"f-\d{3}", r["id"])}
    if got != expect:
        errors.append(f"writer A heldout ids differ from the seeded sample: "
                      f"extra {sorted(got - expect)}, missing {sorted(expect - got)}")

    N = len(rows)
    print(f"passages: {N}")

    def show(key, keys=None):
        c = Counter(r[key] for r in rows)
        keys = keys or sorted(c)
        print(f"\n{key}:")
        for k in keys:
            print(f"  {k:20s} {c.get(k, 0):4d}  {100 * c.get(k, 0) / max(N, 1):5.1f}%")

    show("part", ["tune", "heldout"])
    show("writer", ["A", "B"])
    show("theme", THEMES)
    show("lang", LANGS)
    show("voice", VOICES)
    show("matter", matters)

    print("\npart x writer:")
    for p in ("tune", "heldout"):
        print(f"  {p:8s} " + "  ".join(
            f"{w}={sum(1 for r in rows if r['part'] == p and r['writer'] == w)}" for w in ("A", "B")))

    wcs = sorted(len(r["text"].split()) for r in rows)
    if wcs:
        mid = sum(1 for w in wcs if 8 <= w <= 35)
        print(f"\nwords: min {wcs[0]}, median {wcs[len(wcs) // 2]}, max {wcs[-1]}, "
              f"8-35 words: {mid} ({100 * mid / N:.0f}%), under 8: "
              f"{sum(1 for w in wcs if w < 8)}, over 35: {sum(1 for w in wcs if w > 35)}")

    print("\nper matter: n, writers A/B, fi/sv, client/worker/researcher, themes, "
          "share without obvious keyword")
    for m in matters:
        mr = [r for r in rows if r["matter"] == m]
        v = Counter(r["voice"] for r in mr)
        la = Counter(r["lang"] for r in mr)
        w = Counter(r["writer"] for r in mr)
        th = sorted({r["theme"] for r in mr})
        kw = ""
        if m in OBVIOUS and mr:
            rx = re.compile(OBVIOUS[m], re.I)
            free = sum(1 for r in mr if not rx.search(r["text"]))
            kw = f"{free}/{len(mr)} ({100 * free / len(mr):.0f}%)"
        print(f"  {m:19s} {len(mr):3d}  A{w['A']:3d} B{w['B']:3d}  fi{la['fi']:3d} sv{la['sv']:3d}"
              f"  c{v['client']:3d} w{v['worker']:3d} r{v['researcher']:3d}  themes {len(th)}  {kw}")
        if m != "muu" and mr:
            if len(th) < 2:
                warnings.append(f"{m}: only in theme(s) {th}")
            if set(v) != set(VOICES):
                warnings.append(f"{m}: voices {sorted(v)}")
            if set(la) != set(LANGS):
                warnings.append(f"{m}: languages {sorted(la)}")

    print("\nper (theme, matter): count and voices present")
    cell = defaultdict(Counter)
    for r in rows:
        cell[(r["theme"], r["matter"])][r["voice"]] += 1
    for t in THEMES:
        print(f"  {t}")
        for m in matters:
            c = cell.get((t, m))
            if c:
                vs = ",".join(f"{v}:{c[v]}" for v in VOICES if c[v])
                print(f"    {m:19s} {sum(c.values()):3d}  {vs}")

    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"\n{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
