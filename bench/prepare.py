"""Writes the benchmark inputs and the starting centroids (once per case and
seed) into a data directory; run by bench/run.py with the bench venv's Python.

    prepare.py OUT_DIR --sizes full|quick --seeds N

Everything is deterministic: the same files on every machine.

- dense.npy      n × 64 f32, uniform on [0, 1) (numpy default_rng(0)); n = 1e6 (quick 20,000).
                 Uniform rather than blobs so that Lloyd keeps moving for all
                 the fixed iterations (well-separated blobs would converge and
                 stop early, and the per-iteration time would then include the
                 start-up cost of each engine).
  dense_init_S.npy  256 distinct rows drawn with default_rng(1000 + S).
- china.npy      china.jpg (datasets/images/sklearn) pixels / 255, 273,280 × 3 (quick: every 8th pixel).
  china_init_S.npy  scikit-learn kmeans_plusplus(k=64, random_state=S).
- birch.npy      100,000 × 2 (quick 10,000): make_blobs around a 10 × 10 grid
                 on [-22, 22]² with std 1 (scikit-learn's Birch example), random_state 0.
  birch_init_S.npy  kmeans_plusplus(k=100, random_state=S).
- tfidf.npz / tfidf.csr/  TF-IDF of the 20,000 StackOverflow titles
                 (datasets/documents), TfidfVectorizer(stop_words="english",
                 sublinear_tf=True, min_df=2, max_df=0.5, dtype=float32): rows
                 are l2-normalised; rows left empty by the vocabulary are dropped
                 (counted in manifest.json). Saved once as a scipy .npz (for the
                 anchors) and as CSR arrays (indptr i64, indices i32, data f32,
                 shape i64) that kmkit-bench reads: the same matrix on both sides.
  tfidf_init_S.npy  kmeans_plusplus(k=20, random_state=S) on those rows (dense 20 × vocabulary).
"""
import argparse
import gzip
import json
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHINA = ROOT / "datasets" / "images" / "sklearn" / "china.jpg"
TITLES = ROOT / "datasets" / "documents" / "stackoverflow_titles" / "title_StackOverflow.txt.gz"
VERSION = 3  # bump when the recipe changes, so old files are rebuilt


def sizes(kind):
    full = kind == "full"
    return dict(dense_n=1_000_000 if full else 20_000, birch_n=100_000 if full else 10_000, china_step=1 if full else 8)


def save(out, name, a):
    tmp = out / (name + ".tmp.npy")
    np.save(tmp, a)
    os.replace(tmp, out / name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--sizes", choices=["full", "quick"], default="full")
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    want = {"version": VERSION, "sizes": a.sizes, **sizes(a.sizes)}
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if all(old.get(k) == v for k, v in want.items()) and old.get("seeds", 0) >= a.seeds:
        print(json.dumps(old))
        return
    from sklearn.cluster import kmeans_plusplus

    s = sizes(a.sizes)
    info = dict(want, seeds=a.seeds)

    # Dense: uniform f32.
    x = np.random.default_rng(0).random((s["dense_n"], 64), dtype=np.float32)
    save(out, "dense.npy", x)
    for seed in range(a.seeds):
        rows = np.random.default_rng(1000 + seed).choice(len(x), 256, replace=False)
        save(out, f"dense_init_{seed}.npy", np.ascontiguousarray(x[np.sort(rows)]))
    info["dense"] = dict(shape=list(x.shape), bytes=int(x.nbytes), kind="uniform [0,1)")
    del x

    # china.jpg pixels.
    from PIL import Image

    p = np.asarray(Image.open(CHINA).convert("RGB"), dtype=np.float32).reshape(-1, 3) / 255.0
    p = np.ascontiguousarray(p[:: s["china_step"]], dtype=np.float32)
    save(out, "china.npy", p)
    for seed in range(a.seeds):
        c, _ = kmeans_plusplus(p, 64, random_state=seed)
        save(out, f"china_init_{seed}.npy", c.astype(np.float32))
    info["china"] = dict(shape=list(p.shape))

    # Birch-like grid of blobs.
    from sklearn.datasets import make_blobs

    g = np.linspace(-22, 22, 10)
    xx, yy = np.meshgrid(g, g)
    centres = np.column_stack([xx.ravel(), yy.ravel()])
    b, _ = make_blobs(n_samples=s["birch_n"], centers=centres, cluster_std=1.0, random_state=0)
    b = b.astype(np.float32)
    save(out, "birch.npy", b)
    for seed in range(a.seeds):
        c, _ = kmeans_plusplus(b, 100, random_state=seed)
        save(out, f"birch_init_{seed}.npy", c.astype(np.float32))
    info["birch"] = dict(shape=list(b.shape))

    # TF-IDF of the StackOverflow titles.
    import scipy.sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    with gzip.open(TITLES, "rt", encoding="utf-8") as f:
        docs = f.read().split("\n")
    if docs and docs[-1] == "":
        docs.pop()
    v = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5, dtype=np.float32)
    t = v.fit_transform(docs).tocsr()
    keep = np.flatnonzero(np.diff(t.indptr) > 0)
    t = t[keep]
    t.sort_indices()
    scipy.sparse.save_npz(out / "tfidf.npz", t)
    csr = out / "tfidf.csr"
    csr.mkdir(exist_ok=True)
    save(csr, "indptr.npy", t.indptr.astype(np.int64))
    save(csr, "indices.npy", t.indices.astype(np.int32))
    save(csr, "data.npy", t.data.astype(np.float32))
    save(csr, "shape.npy", np.array(t.shape, dtype=np.int64))
    for seed in range(a.seeds):
        c, _ = kmeans_plusplus(t, 20, random_state=seed)
        save(out, f"tfidf_init_{seed}.npy", np.asarray(c, dtype=np.float32))
    info["tfidf"] = dict(shape=list(t.shape), nnz=int(t.nnz), documents=len(docs), dropped_empty_rows=len(docs) - len(keep))

    manifest_path.write_text(json.dumps(info, indent=1))
    print(json.dumps(info))


if __name__ == "__main__":
    main()
