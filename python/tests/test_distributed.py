"""Distributed primitives and the generic driver, in process: any
partitioning gives the single-process fit's centroids."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

import kmkit
from kmkit import distributed as dist


def cut(X, bounds):
    edges = [0, *bounds, X.shape[0]]
    return [X[a:b] for a, b in zip(edges[:-1], edges[1:])]


def single_process(X, k, seed, tol=1e-4):
    # The core's own k-means|| seeding draws what the driver draws.
    return kmkit.KMeans(
        n_clusters=k, init="k-means||", n_init=1, random_state=seed, algorithm="lloyd", refine=False, tol=tol
    ).fit(X)


def test_merge_finalize_is_one_lloyd_step(blobs):
    X, _ = blobs
    c = X[:5]
    whole = dist.partial_stats(X, c)
    parts = [dist.partial_stats(p, c) for p in cut(X, [100, 1500])]
    merged = dist.tree_reduce(parts, dist.merge)
    np.testing.assert_allclose(merged.sums, whole.sums, rtol=1e-10)
    np.testing.assert_allclose(merged.weights, whole.weights)
    assert merged.inertia == pytest.approx(whole.inertia, rel=1e-6)
    step = kmkit.KMeans(n_clusters=5, init=c, max_iter=1, refine=False, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(dist.finalize(merged, c), step.cluster_centers_, rtol=1e-6, atol=1e-6)
    # The values ship between processes: pickling is exact.
    again = pickle.loads(pickle.dumps(merged))
    np.testing.assert_array_equal(again.sums, merged.sums)
    assert again.inertia == merged.inertia
    with pytest.raises(ValueError, match="cannot merge"):
        merged.merge(dist.partial_stats(X, X[:4]))


def test_seeds_ignore_partitioning(blobs):
    X, _ = blobs
    ref = dist.seeds(X, 5, random_state=7)
    for bounds in ([1], [333, 1001], [7, 8, 1500, 1999]):
        got = dist.kmeans_parallel_seeds(dist.local_map_reduce(cut(X, bounds)), 5, 7)
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    assert not np.allclose(dist.seeds(X, 5, random_state=8), ref)


@pytest.mark.parametrize("bounds", [[], [500], [3, 999, 1000, 1777]])
def test_driver_matches_single_process_fit(blobs, bounds):
    X, _ = blobs
    ref = single_process(X, 5, 11)
    got = dist.fit(dist.local_map_reduce(cut(X, bounds)), 5, random_state=11)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
    assert got.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(got.predict(X), ref.labels_)


def test_driver_on_sparse_blocks(blobs):
    X, _ = blobs
    X = np.where(np.abs(X) < 2, 0.0, X)
    ref = single_process(X, 5, 3)
    parts = [sp.csr_matrix(p) for p in cut(X, [640, 1280])]
    got = dist.fit(dist.local_map_reduce(parts), 5, random_state=3)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)


def test_weighted_partitions(blobs):
    X, _ = blobs
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=X.shape[0])
    ref = kmkit.KMeans(
        n_clusters=5, init="k-means||", n_init=1, random_state=1, algorithm="lloyd", refine=False
    ).fit(X, sample_weight=w)
    parts = cut(X, [900])
    got = dist.fit(dist.local_map_reduce(parts, [w[:900], w[900:]]), 5, random_state=1)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)


def test_driver_errors(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="n_samples=3"):
        dist.fit(dist.local_map_reduce([X[:3]]), 5)
    with pytest.raises(ValueError, match="columns"):
        dist.partial_stats(X, np.zeros((2, 3)))


def test_core_kmeans_parallel_is_the_drivers(blobs):
    # kmkit.KMeans(init="k-means||") and the driver from one seed, with an
    # uneven cut: the same clusters (and the same seeds, to rounding).
    X, _ = blobs
    for seed in (0, 4, 99):
        ref = single_process(X, 6, seed)
        got = dist.fit(dist.local_map_reduce(cut(X, [211, 1302])), 6, random_state=seed)
        np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
        assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
        assert got.n_iter_ == ref.n_iter_


def emptying_init(X):
    """Five starting centres, one far from every row: its cluster is empty
    at the first step and the core moves it to the farthest row."""
    init = X[[0, 1, 2, 3]].tolist() + [[1e3] * X.shape[1]]
    return np.asarray(init, dtype=np.float64)


def test_emptied_cluster_is_relocated_as_the_core_does(blobs):
    X, _ = blobs
    init = emptying_init(X)
    ref = kmkit.KMeans(n_clusters=5, init=init, algorithm="lloyd", refine=False).fit(X)
    one_step = kmkit.KMeans(n_clusters=5, init=init, algorithm="lloyd", refine=False, max_iter=1).fit(X)
    assert np.abs(one_step.cluster_centers_[4]).max() < 100, "the core moved the empty centre"
    for bounds in ([], [700], [5, 1500, 1501]):
        got = dist.fit(dist.local_map_reduce(cut(X, bounds)), 5, init=init)
        np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
        assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
        assert got.n_iter_ == ref.n_iter_
        step = dist.fit(dist.local_map_reduce(cut(X, bounds)), 5, init=init, max_iter=1)
        np.testing.assert_allclose(step.cluster_centers_, one_step.cluster_centers_, rtol=1e-5, atol=1e-5)


def test_far_rows_pickle_and_merge_in_any_order(blobs):
    X, _ = blobs
    c = emptying_init(X)
    parts = [dist.far_rows(p, c, 3, o) for p, o in zip(cut(X, [600, 1400]), [0, 600, 1400])]
    a = parts[0].merge(parts[1]).merge(parts[2])
    b = parts[2].merge(parts[0]).merge(parts[1])
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.indices, dist.far_rows(X, c, 3, 0).indices)
    again = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(again.indices, a.indices)
