#!/usr/bin/env python3
"""Build an OCR-damaged copy of the example project for the search evaluation.

Reads the example project (kooste.toml, workshops/, corpus/) at the repository
root and writes a complete second project to eval/search/noisy/ (deleting what
was there before). Front matter, headings, Markdown markers, blank lines and
[placeholders] are copied unchanged, so passage ids (DOCID#N) are the same in
both corpora; only letters inside body lines are damaged.

Deterministic: the same --seed gives byte-identical output. Python 3.11,
standard library only. See NOISE.md for the kinds of noise and their rates.

    python3 eval/search/make_noisy.py [--seed 7] [--src DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SRC = HERE.parent.parent
DEFAULT_OUT = HERE / "noisy"

# --- rates -----------------------------------------------------------------

# Share of documents typed without any diacritics (chosen exactly).
NO_DIACRITICS_SHARE = 1 / 3
# Per-document probability that a word of 4+ letters is damaged; each document
# gets its own rate from this range (some scans are worse than others).
DOC_RATE_RANGE = (0.13, 0.27)
# Probability that an already damaged word gets a second kind of damage.
SECOND_DAMAGE = 0.12
# Probability that the single space between two short words is dropped.
JOIN_RATE = 0.025
MIN_DAMAGE_LEN = 4

# Word-level damage kinds and their weights.
OPS = [
    ("confusion", 62),
    ("split", 14),
    ("hyphen", 6),
    ("drop", 5),
    ("double", 4),
]

# OCR letter confusions: (source, replacement, weight, inner_only).
# inner_only: only strictly inside a word (never first or last letter).
CONFUSIONS = [
    ("ö", "o", 6, False),
    ("ö", "d", 3, False),
    ("ä", "a", 6, False),
    ("ä", "å", 2, False),
    ("å", "a", 3, False),
    ("Ä", "A", 3, False),
    ("Ö", "O", 3, False),
    ("rn", "m", 4, False),
    ("m", "rn", 4, False),
    ("l", "I", 4, False),
    ("l", "1", 1.2, True),
    ("i", "l", 4, False),
    ("e", "c", 4, False),
    ("h", "b", 3, False),
    ("y", "v", 3, False),
    ("u", "n", 3, False),
    ("t", "f", 2, False),
    ("cl", "d", 4, False),
    ("o", "0", 0.2, True),
]
DIACRITIC_SOURCES = {"ö", "ä", "å", "Ä", "Ö", "Å"}
STRIP = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A"})

# Heads and tails of common compounds, for splitting at a compound boundary
# ("sosiaali työn", "kokemus-tieto").
HEADS = [
    "sosiaali", "asiakas", "asiakkaiden", "asiakkaan", "aikuis", "työ",
    "tieto", "kehittäjä", "kehittämis", "toimeentulo", "mielenterveys",
    "päihde", "vertais", "asumis", "ammatti", "kokemus", "tutkimus", "yhteis",
    "perus", "palvelu", "koti", "kuntoutus", "ryhmä", "puhelin", "kysymys",
    "osallisuus", "elämän", "ajan", "tuki", "kolmikanta", "kunta",
    "social", "vuxen", "klient", "arbets", "erfarenhets", "forsknings",
    "utvecklings", "samhälls", "hem", "själv", "bostads", "grupp", "stöd",
]
TAILS = [
    "työ", "tieto", "tuki", "palvelu", "tekijä", "kieli", "ryhmä", "paja",
    "asiakas", "neuvoja", "ohjaus", "toimisto", "suunnitelma", "käynti",
    "keskus", "kokemus", "arbete", "arbetare", "handledare", "byrå", "grupp",
    "kunskap", "tjänst", "stöd", "besök", "klient",
]

VOWELS = set("aeiouyäöåAEIOUYÄÖÅ")

LETTERS = re.compile(r"[^\W\d_]+")
PLACEHOLDER = re.compile(r"\[[^\]\n]*\]")
MARKER = re.compile(r"^(\s*(?:(?:[-*+]|\d+[.)])\s+|>\s?)*)")
TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")

# Patterns the result must never contain in damaged text (checked per line).
PHONE_LIKE = re.compile(r"(?:\+|\b0)\d[\d \-]{5,}\d|\d{4,}")
HETU_LIKE = re.compile(r"\b\d{6}[-+A-Fa-fU-Yu-y]\d{3}[0-9A-Za-z]\b")
MAIL_LIKE = re.compile(r"\S@\S")


def split_front_matter(text: str) -> tuple[str, str]:
    """Return (front matter including both --- lines, body)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise ValueError("document does not start with front matter")
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") == "---":
            return "".join(lines[: i + 1]), "".join(lines[i + 1 :])
    raise ValueError("front matter is not closed")


class Damager:
    def __init__(self, rng: random.Random, rate: float, strip: bool, stats: Counter):
        self.rng = rng
        self.rate = rate
        self.strip = strip
        self.stats = stats

    # -- word-level operations; each returns the new word or None if not applicable

    def confusion(self, w: str) -> str | None:
        cands = []
        for src, dst, weight, inner in CONFUSIONS:
            if self.strip and src in DIACRITIC_SOURCES:
                continue  # invisible in a document typed without diacritics
            start = 0
            while (p := w.find(src, start)) >= 0:
                start = p + 1
                if inner and (p == 0 or p + len(src) >= len(w)):
                    continue
                cands.append((p, src, dst, weight))
        if not cands:
            return None
        p, src, dst, _ = self.rng.choices(cands, weights=[c[3] for c in cands])[0]
        self.stats[f"confusion {src}→{dst}"] += 1
        return w[:p] + dst + w[p + len(src) :]

    def boundary(self, w: str) -> int | None:
        """A plausible place to break a word: compound boundary or hyphenation point."""
        low = w.lower()
        cands = set()
        for h in HEADS:
            if low.startswith(h) and len(w) - len(h) >= 3:
                cands.add(len(h))
        for t in TAILS:
            p = low.find(t, 3)
            if p >= 3 and len(w) - p >= 3:
                cands.add(p)
        if cands:
            return self.rng.choice(sorted(cands))
        # Finnish-style hyphenation: break before a consonant followed by a vowel.
        hyph = [
            p
            for p in range(3, len(w) - 2)
            if w[p] not in VOWELS and w[p + 1] in VOWELS
        ]
        if hyph:
            return self.rng.choice(hyph)
        return None

    def split(self, w: str) -> str | None:
        if w[0].isupper() and len(w) >= 5 and self.rng.random() < 0.5:
            self.stats["split after capital"] += 1
            return w[0] + " " + w[1:]
        if len(w) < 7:
            return None
        p = self.boundary(w)
        if p is None:
            return None
        self.stats["split inside word"] += 1
        return w[:p] + " " + w[p:]

    def hyphen(self, w: str) -> str | None:
        if len(w) < 8:
            return None
        p = self.boundary(w)
        if p is None:
            return None
        sep = self.rng.choice(["-", "- "])
        self.stats["hyphenation remnant"] += 1
        return w[:p] + sep + w[p:]

    def drop(self, w: str) -> str | None:
        cands = [p for p in range(1, len(w)) if w[p].isalpha()]
        if not cands:
            return None
        p = self.rng.choice(cands)
        self.stats["dropped letter"] += 1
        return w[:p] + w[p + 1 :]

    def double(self, w: str) -> str | None:
        cands = [p for p in range(1, len(w)) if w[p].isalpha()]
        if not cands:
            return None
        p = self.rng.choice(cands)
        self.stats["doubled letter"] += 1
        return w[:p] + w[p] + w[p:]

    def damage_word(self, w: str) -> str:
        names = [o[0] for o in OPS]
        weights = [o[1] for o in OPS]
        out = w
        used = set()
        rounds = 2 if self.rng.random() < SECOND_DAMAGE else 1
        for _ in range(rounds):
            for _attempt in range(6):
                op = self.rng.choices(names, weights=weights)[0]
                if op in used or (op in ("split", "hyphen") and used & {"split", "hyphen"}):
                    continue
                # later operations work on the last letter run of the word so far
                head, sep, tail = out.rpartition(" ") if " " in out else ("", "", out)
                if len(tail) < MIN_DAMAGE_LEN - 1:
                    continue
                new = getattr(self, op)(tail)
                if new is not None and new != tail:
                    out = head + sep + new
                    used.add(op)
                    break
        return out

    # -- text segments

    def damage_segment(self, seg: str, touches_digit) -> str:
        """Damage a stretch of body text that contains no placeholder or marker."""
        runs = list(LETTERS.finditer(seg))
        # decide joins first (on the clean text)
        join_after = set()
        for i in range(len(runs) - 1):
            a, b = runs[i], runs[i + 1]
            if seg[a.end() : b.start()] != " ":
                continue
            la, lb = len(a.group()), len(b.group())
            if not (la <= 4 and lb <= 4 and min(la, lb) <= 3 and la >= 2 and lb >= 2):
                continue
            before = seg[a.start() - 1] if a.start() > 0 else " "
            after = seg[b.end()] if b.end() < len(seg) else " "
            if before in "-'’" or after in "-'’" or before.isdigit() or after.isdigit():
                continue
            if self.rng.random() < JOIN_RATE:
                join_after.add(i)
        out = []
        pos = 0
        for i, m in enumerate(runs):
            out.append(seg[pos : m.start()])
            w = m.group()
            if len(w) >= MIN_DAMAGE_LEN:
                self.stats["words 4+"] += 1
                if self.rng.random() < self.rate:
                    nw = self.damage_word(w)
                    if touches_digit(m.start(), m.end()):
                        nw = nw.replace("0", "o").replace("1", "l")
                    if nw != w:
                        self.stats["words 4+ damaged"] += 1
                    w = nw
                if (w.translate(STRIP) if self.strip else w) != m.group():
                    self.stats["words 4+ changed"] += 1
            out.append(w)
            pos = m.end()
            if i in join_after:
                self.stats["joined pairs"] += 1
                pos += 1  # skip the single space
        out.append(seg[pos:])
        return "".join(out)

    def damage_text(self, text: str) -> str:
        """Damage line content after its Markdown marker; keep [placeholders]."""
        out = []
        pos = 0
        for ph in PLACEHOLDER.finditer(text):
            out.append(self._plain(text, pos, ph.start()))
            out.append(ph.group())
            pos = ph.end()
        out.append(self._plain(text, pos, len(text)))
        return "".join(out)

    def _plain(self, text: str, start: int, end: int) -> str:
        seg = text[start:end]

        def touches_digit(a: int, b: int) -> bool:
            a, b = start + a, start + b
            return (a > 0 and text[a - 1].isdigit()) or (b < len(text) and text[b].isdigit())

        seg = self.damage_segment(seg, touches_digit)
        if self.strip:
            seg = seg.translate(STRIP)
        return seg


def damage_body(body: str, d: Damager) -> str:
    out = []
    in_fence = False
    for line in body.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        eol = line[len(content) :]
        if FENCE.match(content):
            in_fence = not in_fence
            out.append(line)
            continue
        if (
            in_fence
            or not content.strip()
            or content.lstrip().startswith("#")
            or TABLE_RULE.match(content)
        ):
            out.append(line)
            continue
        marker = MARKER.match(content).group(1)
        rest = content[len(marker) :]
        new = d.damage_text(rest)
        if any(
            sorted(pat.findall(new)) != sorted(pat.findall(rest))
            for pat in (PHONE_LIKE, HETU_LIKE, MAIL_LIKE)
        ):
            raise RuntimeError(f"damage produced personal-data-like text: {new!r}")
        out.append(marker + new + eol)
    return "".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC, help="example project")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="noisy project to write")
    args = ap.parse_args()
    src, out = args.src.resolve(), args.out.resolve()
    if out == src or src.is_relative_to(out):
        sys.exit("refusing to overwrite the source project")

    docs = sorted(p.relative_to(src / "corpus") for p in (src / "corpus").rglob("*.md"))
    if not docs:
        sys.exit(f"no documents under {src / 'corpus'}")

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copyfile(src / "kooste.toml", out / "kooste.toml")
    for p in sorted((src / "workshops").rglob("*")):
        if p.is_file():
            dst = out / "workshops" / p.relative_to(src / "workshops")
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dst)

    pick = random.Random(f"{args.seed}:no-diacritics")
    n_strip = round(len(docs) * NO_DIACRITICS_SHARE)
    stripped = set(pick.sample([d.as_posix() for d in docs], n_strip))

    stats: Counter = Counter()
    for rel in docs:
        key = rel.as_posix()
        raw = (src / "corpus" / rel).read_bytes().decode("utf-8")
        front, body = split_front_matter(raw)
        rng = random.Random(f"{args.seed}:{key}")
        rate = rng.uniform(*DOC_RATE_RANGE)
        d = Damager(rng, rate, key in stripped, stats)
        noisy = damage_body(body, d)
        dst = out / "corpus" / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes((front + noisy).encode("utf-8"))

    n4, dmg = stats.pop("words 4+"), stats.pop("words 4+ damaged")
    changed = stats.pop("words 4+ changed")
    print(f"wrote {len(docs)} documents to {out}", file=sys.stderr)
    print(f"seed {args.seed}", file=sys.stderr)
    print(f"documents without diacritics: {len(stripped)}/{len(docs)}", file=sys.stderr)
    for key in sorted(stripped):
        print(f"  {key}", file=sys.stderr)
    print(
        f"words of 4+ letters damaged (letter noise): {dmg}/{n4} = {dmg / n4:.1%}",
        file=sys.stderr,
    )
    print(
        f"words of 4+ letters changed incl. lost diacritics: "
        f"{changed}/{n4} = {changed / n4:.1%}",
        file=sys.stderr,
    )
    for k, v in sorted(stats.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {v:5d}  {k}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
