#!/usr/bin/env python3
"""What can learning from k corrections reach on the labelled set, with representations
other than kooste's? An exploratory check of the 0.80 target, not part of the test suite.

It takes kooste's cold scores from `kooste caimer propose --json` (a fresh project, so no
decisions) and compares, with the same protocol as caimer_eval (learn the first k of a
shuffle, test on the rest, ten seeds, macro-F1 averaged over seeds; the shuffles differ from
the Rust ones, so the cold figure differs a little):

- cold: kooste's lexicons alone (threshold 0.35);
- tfidf: logistic regression per dimension over word and character 3-5-gram TF-IDF;
- tfidf+cold: the same with kooste's cold log-odds as a feature;
- concepts+cold: logistic regression per dimension over the cue concepts that kooste's `why`
  lines name (dimension and concept, present or not) and kooste's cold log-odds, that is a
  reweighting of the lexicon's own concepts;
- knn+cold: kooste's cold score blended with the labels of the 7 most similar learned
  passages (character n-gram cosine);
- oracle: kooste's cold scores with each dimension's best threshold chosen on the test
  passages themselves (an upper bound for recalibrating the lexicons).

Usage: python3 eval/caimer/ceiling.py [PATH/TO/kooste]   (needs scikit-learn and numpy)
"""
import json, os, random, re, subprocess, sys, tempfile
import numpy as np
from scipy.sparse import hstack, csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import cosine_similarity

DIMS = ["context", "actors", "interventions", "mechanisms", "results"]
here = os.path.dirname(os.path.abspath(__file__))
kooste = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../target/release/kooste")
rows = [json.loads(l) for l in open(os.path.join(here, "labelled.jsonl"))]
Y = np.array([[d in r["labels"] for d in DIMS] for r in rows], dtype=int)

with tempfile.TemporaryDirectory() as tmp:
    project = os.path.join(tmp, "p")
    subprocess.run([kooste, "init", project], check=True, capture_output=True)
    stdin = "".join(json.dumps({"id": r["id"], "text": r["text"], "lang": r["lang"]}) + "\n" for r in rows)
    out = subprocess.run([kooste, "--project", project, "caimer", "propose", "--json"],
                         input=stdin, text=True, check=True, capture_output=True).stdout
proposals = [json.loads(l) for l in out.splitlines()]
cold = np.array([[p["scores"][d] for d in DIMS] for p in proposals])
# Which cue concepts pushed which dimension, as the `why` lines name them.
named = [{line.split(":")[0] + "/" + m.group(1) for line in p["why"]
          for m in re.finditer(r"\(cue: (.*?) [+-][0-9.]+\)", line)} for p in proposals]
concepts = sorted(set().union(*named))
K = np.array([[c in n for c in concepts] for n in named], dtype=float)
logit = np.log(np.clip(cold, 1e-4, 1 - 1e-4) / np.clip(1 - cold, 1e-4, 1))

texts = [r["text"].lower() for r in rows]
X = hstack([
    TfidfVectorizer(analyzer="word", sublinear_tf=True).fit_transform(texts),
    TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts),
]).tocsr()
S = cosine_similarity(TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(texts))


def macro_f1(truth, pred):
    f = []
    for i in range(5):
        tp = int(((truth[:, i] == 1) & (pred[:, i] == 1)).sum())
        fp = int(((truth[:, i] == 0) & (pred[:, i] == 1)).sum())
        fn = int(((truth[:, i] == 1) & (pred[:, i] == 0)).sum())
        f.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f))


def lr(with_cold, C=1.0, threshold=0.35):
    def run(tr, te):
        pred = np.zeros((len(te), 5), dtype=int)
        for i in range(5):
            Xi = hstack([X, csr_matrix(logit[:, [i]])]).tocsr() if with_cold else X
            if Y[tr, i].min() == Y[tr, i].max():
                pred[:, i] = Y[tr, i].max()
                continue
            m = LogisticRegression(C=C, max_iter=5000).fit(Xi[tr], Y[tr, i])
            pred[:, i] = m.predict_proba(Xi[te])[:, 1] >= threshold
        return pred
    return run


def concept_lr(tr, te):
    pred = np.zeros((len(te), 5), dtype=int)
    F = np.hstack([K, logit])
    for i in range(5):
        if Y[tr, i].min() == Y[tr, i].max():
            pred[:, i] = Y[tr, i].max()
            continue
        m = LogisticRegression(C=0.3, max_iter=5000, class_weight="balanced").fit(F[tr], Y[tr, i])
        pred[:, i] = m.predict_proba(F[te])[:, 1] >= 0.5
    return pred


def knn(tr, te, k=7, alpha=0.3):
    sims = S[np.ix_(te, tr)]
    near = np.argsort(-sims, axis=1)[:, :k]
    w = np.take_along_axis(sims, near, axis=1) + 1e-6
    votes = (w[:, :, None] * Y[tr][near]).sum(1) / w.sum(1, keepdims=True)
    return ((1 - alpha) * cold[te] + alpha * votes >= 0.35).astype(int)


def oracle(tr, te):
    pred = np.zeros((len(te), 5), dtype=int)
    for i in range(5):
        best = max(np.arange(0.05, 0.95, 0.025),
                   key=lambda t: macro_f1(Y[te][:, [i] * 5], np.repeat((cold[te, [i]] >= t)[:, None], 5, 1)))
        pred[:, i] = cold[te, i] >= best
    return pred


models = {
    "cold": lambda tr, te: (cold[te] >= 0.35).astype(int),
    "tfidf": lr(False),
    "tfidf+cold": lr(True),
    "concepts+cold": concept_lr,
    "knn+cold": knn,
    "oracle": oracle,
}
print("| model | k = 20 | k = 50 | k = 100 |")
print("|---|---:|---:|---:|")
for name, run in models.items():
    cells = []
    for k in (20, 50, 100):
        scores = []
        for seed in range(10):
            idx = list(range(len(rows)))
            random.Random(seed).shuffle(idx)
            tr, te = np.array(idx[:k]), np.array(idx[k:])
            scores.append(macro_f1(Y[te], run(tr, te)))
        cells.append(f"{np.mean(scores):.3f}")
    print(f"| {name} | " + " | ".join(cells) + " |")
