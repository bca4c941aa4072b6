"""Whole doc-topics run vs scikit-learn's pipeline on the 20,000 StackOverflow
titles (datasets/documents/stackoverflow_titles), k = 20.

    python3 bench/text/bench_doc_topics.py --python /work/venv/bin/python
    python3 bench/text/bench_doc_topics.py --rounds 7

Two settings, the same on both sides:

  tfidf  TfidfVectorizer(stop_words='english', sublinear_tf=True, min_df=2, max_df=0.5)
         then KMeans(20, n_init=1) on the L2-normalised rows
         vs `doc-topics -k 20 --n-init 1` (spherical k-means on the same TF-IDF)
  lsa    the same TF-IDF, TruncatedSVD(100), Normalizer, KMeans(20, n_init=5)
         vs `doc-topics -k 20 --lsa 100 --n-init 5`

Each round runs kmkit then scikit-learn (alternating), each as a fresh
process that reads the gzipped titles, featurizes, clusters and scores NMI
against the tags; the wall time of the whole process is measured for both,
and scikit-learn's in-process time without Python start-up and imports is
recorded as well. Medians are printed as a Markdown table and written to
bench/results/text_doc_topics.json. The release binary is built first.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "datasets" / "documents" / "stackoverflow_titles"
BINARY = ROOT / "target" / "release" / "doc-topics"

SKLEARN = r"""
import time
t0 = time.perf_counter()
import gzip, json, sys
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score
from sklearn.preprocessing import Normalizer
titles, labels, setting, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t1 = time.perf_counter()
with gzip.open(titles, "rt", encoding="utf-8") as f:
    docs = f.read().split("\n")
if docs and docs[-1] == "":
    docs.pop()
y = [int(l) for l in open(labels)]
x = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(docs)
if setting == "lsa":
    x = Normalizer(copy=False).fit_transform(TruncatedSVD(100, random_state=seed).fit_transform(x))
    n_init = 5
else:
    n_init = 1
km = KMeans(20, n_init=n_init, random_state=seed).fit(x)
nmi = normalized_mutual_info_score(y, km.labels_)
t2 = time.perf_counter()
print(json.dumps({"engine": "scikit-learn " + sklearn.__version__, "nmi": nmi,
                  "in_process_s": t2 - t1, "imports_s": t1 - t0}))
"""


def timed(cmd, env=None):
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return time.perf_counter() - start, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds per setting (>= 3)")
    ap.add_argument("--python", default=sys.executable, help="interpreter with numpy and scikit-learn")
    args = ap.parse_args()
    if args.rounds < 3:
        ap.error("--rounds must be at least 3")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "doc-topics"], cwd=ROOT, check=True,
                   env=dict(os.environ, CARGO_INCREMENTAL="0"))
    titles, labels = DATA / "title_StackOverflow.txt.gz", DATA / "label_StackOverflow.txt"
    results = []
    for setting, extra in [("tfidf", ["--n-init", "1"]), ("lsa", ["--lsa", "100", "--n-init", "5"])]:
        kmkit, sk, sk_in, nmis = [], [], [], {"kmkit": [], "sklearn": []}
        for seed in range(args.rounds):
            t, out = timed([str(BINARY), "-k", "20", "--seed", str(seed), "-q", "--format", "json", *extra])
            kmkit.append(t)
            nmis["kmkit"].append(json.loads(out)["scores"]["nmi"])
            t, out = timed([args.python, "-c", SKLEARN, str(titles), str(labels), setting, str(seed)])
            r = json.loads(out.strip().splitlines()[-1])
            sk.append(t)
            sk_in.append(r["in_process_s"])
            nmis["sklearn"].append(r["nmi"])
            engine = r["engine"]
        row = {
            "setting": setting,
            "rounds": args.rounds,
            "doc_topics_process_s": statistics.median(kmkit),
            "sklearn_process_s": statistics.median(sk),
            "sklearn_in_process_s": statistics.median(sk_in),
            "speedup_process": statistics.median(sk) / statistics.median(kmkit),
            "speedup_vs_in_process": statistics.median(sk_in) / statistics.median(kmkit),
            "doc_topics_mean_nmi": statistics.mean(nmis["kmkit"]),
            "sklearn_mean_nmi": statistics.mean(nmis["sklearn"]),
            "sklearn": engine,
        }
        results.append(row)
        print(json.dumps(row), file=sys.stderr)
    print(f"doc-topics vs scikit-learn on 20,000 StackOverflow titles, k = 20, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {args.rounds} alternating rounds "
          f"(seeds 0..{args.rounds - 1})\n")
    print("| setting | doc-topics process (s) | scikit-learn process (s) | scikit-learn in-process (s) "
          "| speed-up (process) | speed-up vs in-process | NMI doc-topics | NMI scikit-learn |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['setting']} | {r['doc_topics_process_s']:.2f} | {r['sklearn_process_s']:.2f} | "
              f"{r['sklearn_in_process_s']:.2f} | {r['speedup_process']:.1f}× | {r['speedup_vs_in_process']:.1f}× | "
              f"{r['doc_topics_mean_nmi']:.3f} | {r['sklearn_mean_nmi']:.3f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "text_doc_topics.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
