#!/usr/bin/env python3
"""Agreement between two labellings of the same passages: per-dimension precision, recall
and F1 of B against A (F1 is symmetric), Cohen's kappa, and macro-F1.

Usage: python3 eval/caimer/agreement.py A.jsonl B.jsonl   (JSON lines with "id" and "labels")
"""
import json, sys

DIMS = ["context", "actors", "interventions", "mechanisms", "results"]


def load(path):
    return {r["id"]: set(r["labels"]) for r in map(json.loads, filter(str.strip, open(path, encoding="utf-8")))}


a, b = load(sys.argv[1]), load(sys.argv[2])
ids = [i for i in a if i in b]
if len(ids) != len(a) or len(ids) != len(b):
    print(f"note: {len(a)} and {len(b)} passages, {len(ids)} in both; comparing those")
print(f"{len(ids)} passages\n")
print("| dimension | A | B | both | precision | recall | F1 | kappa |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
f1s, kappas = [], []
for d in DIMS:
    tp = sum(d in a[i] and d in b[i] for i in ids)
    fp = sum(d not in a[i] and d in b[i] for i in ids)
    fn = sum(d in a[i] and d not in b[i] for i in ids)
    tn = len(ids) - tp - fp - fn
    n = len(ids)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    po = (tp + tn) / n
    pe = ((tp + fn) * (tp + fp) + (tn + fp) * (tn + fn)) / (n * n)
    k = (po - pe) / (1 - pe) if pe < 1 else 1.0
    f1s.append(f)
    kappas.append(k)
    print(f"| {d} | {tp + fn} | {tp + fp} | {tp} | {p:.3f} | {r:.3f} | {f:.3f} | {k:.3f} |")
exact = sum(a[i] == b[i] for i in ids)
print(f"\nmacro-F1 {sum(f1s) / 5:.3f}, mean kappa {sum(kappas) / 5:.3f}, "
      f"identical label sets {exact}/{len(ids)} ({exact / len(ids):.0%})")
