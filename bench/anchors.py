"""Times one k-means run of a Python anchor on .npy data; prints one JSON line.

Usage: anchors.py ENGINE --data X.npy [--init C.npy] --k K [--task fit|seed|minibatch]
                  [--algorithm lloyd|elkan] [--max-iter N] [--tol T] [--threads T]
ENGINE: sklearn | sklearnex | faiss
Called by run.py, which alternates it with kmkit-bench.
"""
import argparse
import json
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("engine")
    ap.add_argument("--data", required=True)
    ap.add_argument("--init")
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--task", default="fit")
    ap.add_argument("--algorithm", default="lloyd")
    ap.add_argument("--max-iter", type=int, default=20)
    ap.add_argument("--tol", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    from threadpoolctl import threadpool_info, threadpool_limits

    x = np.load(a.data).astype(np.float32, copy=False)
    init = np.load(a.init).astype(np.float32) if a.init else None
    n, d = x.shape
    out = {"engine": a.engine, "task": a.task, "n": n, "d": d, "k": a.k}
    with threadpool_limits(limits=a.threads):
        if a.engine in ("sklearn", "sklearnex"):
            if a.engine == "sklearnex":
                from sklearnex import patch_sklearn

                patch_sklearn(verbose=False)
            from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus

            t = time.perf_counter()
            if a.task == "seed":
                centers, _ = kmeans_plusplus(x, a.k, random_state=a.seed)
                out["seconds"] = time.perf_counter() - t
                out["inertia"] = float(KMeans(a.k, init=centers, n_init=1, max_iter=1).fit(x).inertia_)
                out["n_iter"] = 0
            elif a.task == "minibatch":
                m = MiniBatchKMeans(a.k, random_state=a.seed, n_init=1).fit(x)
                out["seconds"] = time.perf_counter() - t
                out["inertia"], out["n_iter"] = float(m.inertia_), int(m.n_steps_)
            else:
                kw = dict(init=init, n_init=1) if init is not None else dict(n_init=1, random_state=a.seed)
                m = KMeans(a.k, max_iter=a.max_iter, tol=a.tol, algorithm=a.algorithm, **kw).fit(x)
                out["seconds"] = time.perf_counter() - t
                out["inertia"], out["n_iter"] = float(m.inertia_), int(m.n_iter_)
        elif a.engine == "faiss":
            import faiss

            faiss.omp_set_num_threads(a.threads)
            km = faiss.Kmeans(d, a.k, niter=a.max_iter, seed=a.seed, max_points_per_centroid=n, min_points_per_centroid=1)
            t = time.perf_counter()
            km.train(x, init_centroids=init)
            out["seconds"] = time.perf_counter() - t
            # faiss reports the objective before its last update; recompute it.
            dist, _ = km.index.search(x, 1)
            out["inertia"], out["n_iter"] = float(dist.sum(dtype=np.float64)), a.max_iter
        else:
            raise SystemExit(f"unknown engine {a.engine}")
        out["blas"] = [
            {k: i.get(k) for k in ("internal_api", "architecture", "num_threads", "version")} for i in threadpool_info()
        ]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
