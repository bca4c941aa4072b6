"""Times one k-means run of a Python anchor and prints one JSON line.

    anchors.py TASK ENGINE --data X.npy|X.npz --k K [--init C.npy] [--threads T] ...

TASK: fit | seed | minibatch.  ENGINE: sklearn | sklearnex | faiss.
Called by run.py, which alternates it with kmkit-bench on the same data and
the same starting centroids (files written once per case and seed). Only the
library call is timed; the final centroids are then scored on all rows by the
same f64 code for every anchor (squared Euclidean, or for --metric cosine the
spherical objective, see score()).
"""
import argparse
import json
import logging
import time

import numpy as np


def load(path):
    if path.endswith(".npz"):
        import scipy.sparse

        return scipy.sparse.load_npz(path).astype(np.float32).tocsr()
    return np.ascontiguousarray(np.load(path), dtype=np.float32)


def inertia(x, c):
    """Sum of squared distances to the nearest centroid, in f64, by chunks."""
    c = np.asarray(c, dtype=np.float64)
    cn = (c * c).sum(axis=1)
    total = 0.0
    for i in range(0, x.shape[0], 16384):
        xb = np.asarray(x[i : i + 16384], dtype=np.float64)
        d2 = (xb * xb).sum(axis=1)[:, None] - 2.0 * (xb @ c.T) + cn[None, :]
        total += float(np.maximum(d2.min(axis=1), 0.0).sum())
    return total


def cosine_objective(x, c):
    """Σ 2(1 − max_j cos(x_i, c_j)) with unit centroids: kmkit's spherical
    objective, applied to the anchor's (Euclidean-mean) centroids."""
    c = np.asarray(c, dtype=np.float64)
    norms = np.linalg.norm(c, axis=1)
    c = c / np.where(norms > 0, norms, 1.0)[:, None]
    import scipy.sparse

    if scipy.sparse.issparse(x):
        xn = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        dots = np.asarray(x.astype(np.float64) @ c.T)
    else:
        xn = np.linalg.norm(x.astype(np.float64), axis=1)
        dots = x.astype(np.float64) @ c.T
    cos = dots.max(axis=1) / np.where(xn > 0, xn, 1.0)
    return float((2.0 * (1.0 - cos)).sum())


def blas_info():
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "prefix", "version", "architecture", "threading_layer", "num_threads")
    return [{k: i.get(k) for k in keep} for i in threadpool_info()]


class Accelerated(logging.Handler):
    """Records whether scikit-learn-intelex ran oneDAL or fell back to scikit-learn."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        msg = record.getMessage()
        if "running" in msg:  # "<estimator>.fit: running accelerated version on CPU" or "... original Scikit-learn"
            self.messages.append(msg.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["fit", "seed", "minibatch"])
    ap.add_argument("engine", choices=["sklearn", "sklearnex", "faiss"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--init")
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--algorithm", default="lloyd")
    ap.add_argument("--metric", default="euclidean", choices=["euclidean", "cosine"])
    ap.add_argument("--max-iter", type=int, default=20)
    ap.add_argument("--tol", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save")
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--reassignment-ratio", type=float, default=0.01)
    a = ap.parse_args()

    from threadpoolctl import threadpool_limits

    x = load(a.data)
    init = np.ascontiguousarray(np.load(a.init), dtype=np.float32) if a.init else None
    n, d = x.shape
    out = {"task": a.task, "engine": a.engine, "n": n, "d": d, "k": a.k, "threads": a.threads, "seed": a.seed}
    centers = None
    with threadpool_limits(limits=a.threads):
        if a.engine in ("sklearn", "sklearnex"):
            import sklearn

            out["version"] = sklearn.__version__
            if a.engine == "sklearnex":
                from sklearn.cluster import MiniBatchKMeans  # oneDAL has no mini-batch k-means
                from sklearnex.cluster import KMeans

                handler = Accelerated()
                logger = logging.getLogger("sklearnex")
                logger.addHandler(handler)
                logger.setLevel(logging.INFO)
                logger.propagate = False
                from importlib.metadata import version

                out["version"] = version("scikit-learn-intelex")
            else:
                from sklearn.cluster import KMeans, MiniBatchKMeans
            if a.task == "seed":
                from sklearn.cluster._kmeans import _kmeans_plusplus
                from sklearn.utils.extmath import row_norms

                rs = np.random.RandomState(a.seed)
                t = time.perf_counter()
                # What KMeans.fit does before seeding: squared norms, unit weights.
                norms = row_norms(x, squared=True)
                centers, _ = _kmeans_plusplus(x, a.k, norms, np.ones(n, dtype=x.dtype), rs)
                out["seconds"] = time.perf_counter() - t
                out["n_iter"] = 0
                out["seeding"] = "k-means++ (sklearn _kmeans_plusplus, 2 + ln k trials)"
                if a.save:
                    np.save(a.save, centers.astype(np.float32))
                    out["saved"] = a.save
            elif a.task == "minibatch":
                m = MiniBatchKMeans(
                    n_clusters=a.k,
                    init=init if init is not None else "k-means++",
                    n_init=1,
                    batch_size=a.batch_size,
                    max_iter=a.epochs,
                    tol=0.0,
                    max_no_improvement=None,
                    reassignment_ratio=a.reassignment_ratio,
                    random_state=a.seed,
                    compute_labels=True,
                )
                t = time.perf_counter()
                m.fit(x)
                out["seconds"] = time.perf_counter() - t
                out["n_iter"] = int(m.n_steps_)
                out["batch_size"], out["epochs"] = a.batch_size, a.epochs
                centers = m.cluster_centers_
            else:
                kw = dict(init=init) if init is not None else dict(init="k-means++", random_state=a.seed)
                m = KMeans(n_clusters=a.k, n_init=1, max_iter=a.max_iter, tol=a.tol, algorithm=a.algorithm, **kw)
                t = time.perf_counter()
                m.fit(x)
                out["seconds"] = time.perf_counter() - t
                out["n_iter"] = int(m.n_iter_)
                out["model_inertia"] = float(m.inertia_)
                out["algorithm"] = a.algorithm
                centers = m.cluster_centers_
            if a.engine == "sklearnex":
                msgs = handler.messages
                out["onedal"] = bool(msgs) and all("accelerated" in m for m in msgs)
                out["onedal_log"] = msgs
        elif a.engine == "faiss":
            import faiss

            if a.task != "fit" or a.metric != "euclidean":
                raise SystemExit("faiss anchor: Euclidean fit only")
            faiss.omp_set_num_threads(a.threads)
            out["version"] = faiss.__version__
            # max_points_per_centroid = n: train on all points (no subsampling).
            km = faiss.Kmeans(
                d, a.k, niter=a.max_iter, seed=a.seed, max_points_per_centroid=n, min_points_per_centroid=1,
                verbose=False,
            )
            t = time.perf_counter()
            km.train(x, init_centroids=init)
            out["seconds"] = time.perf_counter() - t
            out["n_iter"] = a.max_iter
            out["algorithm"] = "lloyd"
            centers = km.centroids
        out["blas"] = blas_info()
    if centers is not None:
        t = time.perf_counter()
        if a.metric == "cosine":
            out["inertia"] = cosine_objective(x, centers)
            out["objective"] = "sum of 2(1 - max cos) to unit centroids"
        else:
            out["inertia"] = inertia(x, centers)
            out["objective"] = "sum of squared distances"
        out["score_seconds"] = time.perf_counter() - t
    out["input_bytes"] = int(x.data.nbytes + x.indices.nbytes + x.indptr.nbytes) if hasattr(x, "indptr") else int(x.nbytes)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
