"""TF-IDF fit+transform throughput: kmkit-text vs scikit-learn's TfidfVectorizer
on the 20,000 StackOverflow titles (datasets/documents/stackoverflow_titles).

    python3 bench/text/bench_tfidf.py                 # 7 timed runs per engine and setting
    python3 bench/text/bench_tfidf.py --repeats 11

Both engines read the titles into memory first and time `fit_transform` only,
with one untimed warm-up run, in alternating rounds (kmkit, scikit-learn, …).
kmkit runs on 1 thread and on all cores (RAYON_NUM_THREADS); scikit-learn's
vectorizer is single-threaded. The script checks that both produce the same
number of terms and stored values, and prints medians and ratios as a Markdown
table (also written to bench/results/text_tfidf.json).

It creates bench/.venv (if missing) and installs numpy and scikit-learn there
with pip; `--python PATH` uses another interpreter that has them.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = ROOT / "bench" / ".venv"
RESULTS = ROOT / "bench" / "results"
TITLES = ROOT / "datasets" / "documents" / "stackoverflow_titles" / "title_StackOverflow.txt.gz"
EXAMPLE = ROOT / "target" / "release" / "examples" / "tfidf_throughput"

SKLEARN = r"""
import gzip, json, sys, time
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
path, preset, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
with gzip.open(path, "rt", encoding="utf-8") as f:
    docs = f.read().split("\n")
if docs and docs[-1] == "":
    docs.pop()
make = {
    "topics": lambda: TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5),
    "defaults": lambda: TfidfVectorizer(),
}[preset]
seconds = []
for run in range(repeats + 1):
    start = time.perf_counter()
    v = make()
    x = v.fit_transform(docs)
    elapsed = time.perf_counter() - start
    if run > 0:
        seconds.append(elapsed)
print(json.dumps({"engine": "scikit-learn " + sklearn.__version__, "preset": preset, "n_docs": len(docs),
                  "n_terms": len(v.vocabulary_), "nnz": int(x.nnz), "threads": 1, "seconds": seconds}))
"""


def venv_python():
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if subprocess.run([str(py), "-c", "import sklearn"], capture_output=True).returncode != 0:
        subprocess.run([str(py), "-m", "pip", "install", "-q", "numpy", "scikit-learn"], check=True)
    return str(py)


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per engine and setting (>= 5)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians over all timed runs")
    ap.add_argument("--python", help="interpreter with scikit-learn (default: bench/.venv)")
    args = ap.parse_args()
    if args.repeats < 5:
        ap.error("--repeats must be at least 5")
    py = args.python or venv_python()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kmkit-text", "--example", "tfidf_throughput"],
                   cwd=ROOT, check=True)
    cores = os.cpu_count() or 1
    rows = []
    results = []
    for preset in ["topics", "defaults"]:
        times = {}
        shapes = {}
        for _ in range(args.rounds):
            for threads in sorted({1, cores}):
                env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
                r = run_json([str(EXAMPLE), str(TITLES), "--repeats", str(args.repeats), "--preset", preset], env)
                key = f"kmkit-text ({threads} thread{'s' if threads > 1 else ''})"
                times.setdefault(key, []).extend(r["seconds"])
                shapes[key] = (r["n_terms"], r["nnz"])
            r = run_json([py, "-c", SKLEARN, str(TITLES), preset, str(args.repeats)])
            key = f"{r['engine']} (1 thread)"
            times.setdefault(key, []).extend(r["seconds"])
            shapes[key] = (r["n_terms"], r["nnz"])
        if len(set(shapes.values())) != 1:
            sys.exit(f"engines disagree on (terms, nnz) for {preset}: {shapes}")
        sk = next(k for k in times if k.startswith("scikit-learn"))
        sk_median = statistics.median(times[sk])
        for key, ts in times.items():
            med = statistics.median(ts)
            rows.append((preset, key, len(ts), med, sk_median / med))
            results.append({"preset": preset, "engine": key, "runs": len(ts), "median_s": med,
                            "speedup_vs_sklearn": sk_median / med, "n_terms": shapes[key][0], "nnz": shapes[key][1]})
    print(f"TF-IDF fit_transform on {TITLES.name} (20,000 titles), {platform.processor() or platform.machine()}, "
          f"{cores} cores\n")
    print("| setting | engine | runs | median (ms) | speed-up vs scikit-learn |")
    print("|---|---|---:|---:|---:|")
    for preset, key, n, med, ratio in rows:
        print(f"| {preset} | {key} | {n} | {med * 1000:.1f} | {ratio:.1f}× |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "text_tfidf.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
