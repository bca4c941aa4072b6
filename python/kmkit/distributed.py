"""Distributed k-means with any engine that can map, reduce and broadcast.

The primitives come from kmkit-core through the extension:

- ``partial_stats(X, centroids, sample_weight)`` → :class:`PartialStats`
  (per-cluster f64 sums, weights, inertia of one partition), ``a.merge(b)``
  (associative) and ``stats.finalize(previous)`` (the new centroids): one
  Lloyd step is map → tree-reduce → finalize.
- ``moments(X)`` and ``Moments.merge``: the column variance that scales
  ``tol`` exactly as the single-process fit does.
- k-means|| seeding: ``first_centre(X, seed, offset)``,
  ``sample_round(X, centres, psi, ell, seed, round, offset)``,
  ``Candidates.merge`` / ``best``, ``recluster`` and the core's round rule
  ``next_round``.
- Empty clusters: ``stats.n_empty()``, ``far_rows(X, centroids, m,
  offset)`` → :class:`FarRows` (``merge`` keeps the m farthest) and
  ``stats.relocate(far, previous)``. Each row's coin is fixed
  by (seed, round, *global row index*), so partitions only need their first
  row's global ``offset`` and any partitioning draws the same candidates.

An engine gives :func:`fit` one callable, ``map_reduce(task, combine)``:
apply ``task(X_block, w_block_or_None, offset)`` to every partition (the
task closes over the small broadcast values, e.g. the centroids), combine
the results with the associative ``combine`` (in a tree, any order) and
return the one result to the driver. ``kmkit.dask``, ``kmkit.ray`` and
``kmkit.spark`` are such engines; :func:`local_map_reduce` is the in-process
one over a list of arrays.

Same seed ⇒ the same centroids as ``kmkit.KMeans(init="k-means||",
n_init=1, algorithm="lloyd", refine=False, random_state=seed)`` on the
concatenated rows (the core's k-means|| draws the same rows), to f32
rounding, for any partitioning, engine or thread count. An emptied cluster
is moved as the single-process fit moves it: when the merged statistics
have empty clusters, one more pass reduces ``far_rows`` (the rows farthest
from their centroid) and ``stats.relocate`` applies the core's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import _kmkit
from ._input import seed_from, to_core, weights_to_core

PartialStats = _kmkit.PartialStats
Moments = _kmkit.Moments
Candidates = _kmkit.Candidates
FarRows = _kmkit.FarRows

Task = Callable[[Any, Optional[np.ndarray], int], Any]
MapReduce = Callable[[Task, Callable[[Any, Any], Any]], Any]


def partial_stats(X, centroids, sample_weight=None) -> PartialStats:
    """Statistics of the rows of ``X`` (numpy or scipy CSR) against ``centroids``."""
    return _kmkit.partial_stats(to_core(X), _f32(centroids), weights_to_core(sample_weight))


def merge(a: PartialStats, b: PartialStats) -> PartialStats:
    """``a + b``: the reduce step."""
    return a.merge(b)


def finalize(stats: PartialStats, previous) -> np.ndarray:
    """New centroids from merged statistics (empty clusters keep
    ``previous``; :func:`fit` relocates them with ``stats.relocate``)."""
    return stats.finalize(_f32(previous))


def moments(X) -> Moments:
    """Column moments of a partition (for the tolerance scale)."""
    return _kmkit.moments(to_core(X))


def first_centre(X, seed: int, offset: int, sample_weight=None) -> Candidates:
    """k-means|| step 0 on a partition whose first row is global row ``offset``."""
    return _kmkit.first_centre(to_core(X), seed, offset, weights_to_core(sample_weight))


def sample_round(X, centres, psi: float, ell: float, seed: int, round: int, offset: int, sample_weight=None) -> Candidates:
    """One k-means|| sampling round on a partition."""
    return _kmkit.sample_round(to_core(X), _f32(centres), psi, ell, seed, round, offset, weights_to_core(sample_weight))


def far_rows(X, centroids, keep: int, offset: int, sample_weight=None) -> FarRows:
    """The ``keep`` rows of a partition farthest from their nearest centroid."""
    return _kmkit.far_rows(to_core(X), _f32(centroids), keep, offset, weights_to_core(sample_weight))


def recluster(candidates, weights, k: int, seed: int) -> np.ndarray:
    """Candidates (weighted by the rows nearest them) → k starting centroids."""
    return _kmkit.recluster(_f32(candidates), np.ascontiguousarray(weights, dtype=np.float64), k, seed)


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def local_map_reduce(parts: Sequence, weights: Optional[Sequence] = None) -> MapReduce:
    """The in-process engine: ``parts`` in row order (numpy or CSR blocks)."""
    offsets = np.concatenate([[0], np.cumsum([p.shape[0] for p in parts])[:-1]])
    ws = list(weights) if weights is not None else [None] * len(parts)

    def map_reduce(task, combine):
        results = [task(p, w, int(o)) for p, w, o in zip(parts, ws, offsets)]
        return tree_reduce(results, combine)

    return map_reduce


def tree_reduce(values: list, combine):
    """Pairwise reduction in a balanced tree (what engines do in parallel)."""
    if not values:
        raise ValueError("no partitions to reduce")
    while len(values) > 1:
        values = [combine(values[i], values[i + 1]) if i + 1 < len(values) else values[i] for i in range(0, len(values), 2)]
    return values[0]


def _first(X, w, o, seed):
    return first_centre(X, seed, o, w)


def kmeans_parallel_seeds(map_reduce: MapReduce, n_clusters: int, seed: int, rounds: int = 5, oversampling: float = 2.0, first=None) -> np.ndarray:
    """k-means|| seeding as maps and reductions: 2 passes per round plus
    one for the first centre (unless ``first``, the reduced
    :func:`first_centre` draws, is given) and one to weight the candidates.

    The per-row draws depend on (seed, round, global row index) only, so
    the result ignores the partitioning; the steps and the round rule are
    the core's, so it equals ``kmkit.KMeans(init="k-means||")``'s seeding.
    """
    if first is None:
        first = map_reduce(lambda X, w, o: _first(X, w, o, seed), lambda a, b: a.merge(b))
    first = first.best()
    if len(first) == 0:
        raise ValueError("every sample weight is zero")
    cands = first
    ell = oversampling * n_clusters
    r = 0
    while _kmkit.next_round(r, rounds, len(cands), n_clusters):
        centres = cands.rows
        psi = map_reduce(lambda X, w, o: partial_stats(X, centres, w), merge).inertia
        if psi <= 0:
            break
        new = map_reduce(lambda X, w, o: sample_round(X, centres, psi, ell, seed, r, o, w), lambda a, b: a.merge(b))
        cands = cands.merge(new)
        r += 1
    centres = cands.rows
    weights = map_reduce(lambda X, w, o: partial_stats(X, centres, w), merge).weights
    return recluster(centres, weights, n_clusters, seed)


def seeds(X, n_clusters: int, random_state=0, rounds: int = 5, oversampling: float = 2.0, sample_weight=None) -> np.ndarray:
    """The same k-means|| seeds on one in-memory matrix (the single-process
    reference, and a way to start ``kmkit.KMeans`` where a cluster fit would)."""
    w = None if sample_weight is None else [sample_weight]
    return kmeans_parallel_seeds(local_map_reduce([X], w), n_clusters, seed_from(random_state), rounds, oversampling)


@dataclass
class DistributedFit:
    """What :func:`fit` returns (scikit-learn's attribute names)."""

    cluster_centers_: np.ndarray
    inertia_: float
    n_iter_: int
    converged: bool

    def predict(self, X) -> np.ndarray:
        """Nearest centre of every row of a (local) block."""
        return _kmkit.assign(to_core(X), _f32(self.cluster_centers_))[0]


def fit(
    map_reduce: MapReduce,
    n_clusters: int,
    *,
    init="k-means||",
    random_state=0,
    max_iter: int = 300,
    tol: float = 1e-4,
    rounds: int = 5,
    oversampling: float = 2.0,
) -> DistributedFit:
    """Exact Lloyd k-means over partitions: each iteration is one
    ``map_reduce`` of :func:`partial_stats` / :func:`merge`, then
    :func:`finalize` on the driver; stops when the total squared centroid
    shift is at most ``tol`` × the mean column variance (as the
    single-process fit) or after ``max_iter`` iterations.
    """
    if not (isinstance(n_clusters, (int, np.integer)) and n_clusters >= 1):
        raise ValueError(f"n_clusters must be an integer >= 1, got {n_clusters!r}")
    seed = seed_from(random_state)
    if isinstance(init, str):
        if init != "k-means||":
            raise ValueError("distributed init is 'k-means||' or an array of centroids")
        # One pass gives the tolerance scale and the first k-means|| centre.
        mom, first = map_reduce(
            lambda X, w, o: (moments(X), _first(X, w, o, seed)),
            lambda a, b: (a[0].merge(b[0]), a[1].merge(b[1])),
        )
    else:
        mom, first = map_reduce(lambda X, w, o: moments(X), lambda a, b: a.merge(b)), None
    if mom.n < n_clusters:
        raise ValueError(f"n_samples={mom.n} should be >= n_clusters={n_clusters}.")
    tol_abs = tol * mom.mean_variance()
    if first is not None:
        centres = kmeans_parallel_seeds(map_reduce, n_clusters, seed, rounds, oversampling, first=first)
    else:
        centres = _f32(init)
    converged, n_iter = False, 0
    for it in range(max_iter):
        n_iter = it + 1
        c = centres
        stats = map_reduce(lambda X, w, o: partial_stats(X, c, w), merge)
        m = stats.n_empty()
        if m:
            far = map_reduce(lambda X, w, o: far_rows(X, c, m, o, w), lambda a, b: a.merge(b))
            new, _ = stats.relocate(far, c)
        else:
            new = stats.finalize(c)
        shift = float(np.sum((new.astype(np.float64) - c.astype(np.float64)) ** 2))
        centres = new
        if shift <= tol_abs:
            converged = True
            break
    c = centres
    inertia = map_reduce(lambda X, w, o: partial_stats(X, c, w), merge).inertia
    return DistributedFit(centres, float(inertia), n_iter, converged)
