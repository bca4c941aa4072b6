"""Which convergence test would stop spherical k-means early on the sparse
case? Runs spherical k-means (f64, numpy) on bench/data/full/tfidf.npz from
each tfidf_init_S.npy until no label changes, and prints per seed the
iteration of that strict convergence, the first iteration at which each
shift measure is <= tol (1e-4 x mean column variance, as scikit-learn and
kmkit scale it) and the smallest non-zero value each measure took:

- unit: sum over clusters of |u_new - u_old|^2 (unit centroids; kmkit, spherecluster)
- r:    sum of r |u_new - u_old|^2, r = |mean of the cluster's unit rows|
        (the objective gained by the update per unit weight)
- r2:   sum of r^2 |u_new - u_old|^2 (the unnormalised mean's tangential shift)

    bench/.venv/bin/python bench/sparse/stops.py   # after bench/run.py --cases sparse prepared the data
"""
from pathlib import Path

import numpy as np
import scipy.sparse as sp

D = Path(__file__).resolve().parent.parent / "data" / "full"
X = sp.load_npz(D / "tfidf.npz").tocsr().astype(np.float64)
n, d = X.shape
k = 20
sq = np.asarray(X.multiply(X).mean(0)).ravel()
mu = np.asarray(X.mean(0)).ravel()
tol = 1e-4 * (sq - mu**2).mean()
seeds = sorted(int(p.stem.rsplit("_", 1)[1]) for p in D.glob("tfidf_init_*.npy"))
for seed in seeds:
    U = np.load(D / f"tfidf_init_{seed}.npy").astype(np.float64)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    first, smallest, prev = {}, {}, None
    for it in range(1, 301):
        lab = (X @ U.T).argmax(1)
        sums = (sp.csr_matrix((np.ones(n), (lab, np.arange(n))), shape=(k, n)) @ X).toarray()
        w = np.bincount(lab, minlength=k).astype(float)
        norm = np.linalg.norm(sums, axis=1)
        r = norm / np.maximum(w, 1)
        new = sums / norm[:, None]
        du = ((new - U) ** 2).sum(1)
        for name, v in (("unit", du.sum()), ("r", (r * du).sum()), ("r2", (r * r * du).sum())):
            if v > 0:
                smallest[name] = min(smallest.get(name, np.inf), v)
            if v <= tol and name not in first:
                first[name] = it
        U = new
        if prev is not None and (lab == prev).all():
            break
        prev = lab
    print(f"seed {seed}: labels fixed at iteration {it}; first <= tol {first}; "
          f"smallest non-zero {{{', '.join(f'{a}: {b:.1e}' for a, b in smallest.items())}}}; tol {tol:.1e}")
