"""KMeans / MiniBatchKMeans against scikit-learn on the same data."""

import pickle
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import cluster as skc
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import euclidean_distances

import kmkit


def test_kmeans_matches_sklearn_quality(blobs):
    X, y = blobs
    km = kmkit.KMeans(n_clusters=5, random_state=0, n_init=3).fit(X)
    sk = skc.KMeans(n_clusters=5, random_state=0, n_init=3).fit(X)
    assert km.cluster_centers_.shape == (5, 4)
    assert km.cluster_centers_.dtype == np.float64
    assert km.labels_.shape == (2000,)
    assert adjusted_rand_score(y, km.labels_) > 0.99
    # Inertia no worse than scikit-learn's at equal n_init (f32 work: 1e-5 slack).
    assert km.inertia_ <= sk.inertia_ * (1 + 1e-5)
    assert km.n_iter_ >= 1
    # Same partition as scikit-learn's fit on separated blobs.
    assert adjusted_rand_score(sk.labels_, km.labels_) == 1.0


def test_predict_transform_score_agree(blobs):
    X, _ = blobs
    km = kmkit.KMeans(n_clusters=5, random_state=1).fit(X)
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    np.testing.assert_array_equal(kmkit.KMeans(n_clusters=5, random_state=1).fit_predict(X), km.labels_)
    D = km.transform(X)
    np.testing.assert_allclose(D, euclidean_distances(X, km.cluster_centers_), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(D.argmin(axis=1), km.labels_)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-5)
    np.testing.assert_allclose(km.fit_transform(X), D, rtol=1e-6)


def test_float32_and_float64_agree(blobs):
    X, _ = blobs
    a = kmkit.KMeans(n_clusters=5, random_state=2).fit(X)
    b = kmkit.KMeans(n_clusters=5, random_state=2).fit(X.astype(np.float32))
    assert b.cluster_centers_.dtype == np.float32
    assert b.transform(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_array_equal(a.cluster_centers_.astype(np.float32), b.cluster_centers_)
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_sparse_csr_matches_dense(blobs):
    X, _ = blobs
    X = np.where(np.abs(X) < 2, 0.0, X)  # some real zeros
    dense = kmkit.KMeans(n_clusters=5, random_state=4).fit(X)
    csr = kmkit.KMeans(n_clusters=5, random_state=4).fit(sp.csr_matrix(X))
    np.testing.assert_array_equal(dense.labels_, csr.labels_)
    np.testing.assert_allclose(dense.cluster_centers_, csr.cluster_centers_, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(csr.predict(sp.csr_matrix(X)), dense.labels_)
    # Other sparse formats are converted to CSR.
    np.testing.assert_array_equal(csr.predict(sp.coo_matrix(X)), dense.labels_)


def test_sample_weight_equals_repeating_rows(blobs):
    X, _ = blobs
    X = X[:300]
    init = X[:5]
    w = np.ones(300)
    w[::3] = 2.0
    weighted = kmkit.KMeans(n_clusters=5, init=init, refine=False, tol=0).fit(X, sample_weight=w)
    repeated = kmkit.KMeans(n_clusters=5, init=init, refine=False, tol=0).fit(np.vstack([X, X[::3]]))
    np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-5)
    assert weighted.score(X, sample_weight=w) == pytest.approx(-weighted.inertia_, rel=1e-5)


def test_same_seed_same_result_any_thread_count(blobs):
    X, _ = blobs
    one = kmkit.KMeans(n_clusters=5, random_state=9, init="k-means||", n_threads=1).fit(X)
    two = kmkit.KMeans(n_clusters=5, random_state=9, init="k-means||", n_threads=2).fit(X)
    np.testing.assert_array_equal(one.cluster_centers_, two.cluster_centers_)
    np.testing.assert_array_equal(one.labels_, two.labels_)


def test_algorithms_reach_the_same_fixed_point(blobs):
    X, _ = blobs
    ref = kmkit.KMeans(n_clusters=5, random_state=5, algorithm="lloyd").fit(X)
    for algo in ["hamerly", "elkan", "yinyang", "kd-tree", "auto"]:
        got = kmkit.KMeans(n_clusters=5, random_state=5, algorithm=algo).fit(X)
        np.testing.assert_array_equal(got.labels_, ref.labels_)
        np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)


def test_gil_is_released_during_fit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60_000, 32)).astype(np.float32)
    done = threading.Event()

    def work():
        kmkit.KMeans(n_clusters=64, random_state=0, max_iter=30, tol=0, n_threads=1).fit(X)
        done.set()

    t = threading.Thread(target=work)
    start = time.perf_counter()
    t.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - start
    # With the GIL held the loop could not run while the fit does.
    assert elapsed > 0.05
    assert ticks > 10


def test_errors_are_value_errors(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=5"):
        kmkit.KMeans(n_clusters=5).fit(X[:3])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        kmkit.KMeans(n_clusters=2).fit(bad)
    with pytest.raises(ValueError, match="init must be"):
        kmkit.KMeans(n_clusters=2, init="nope").fit(X)
    with pytest.raises(ValueError, match="algorithm"):
        kmkit.KMeans(n_clusters=2, algorithm="nope").fit(X)
    with pytest.raises(ValueError, match="shape of the initial centers"):
        kmkit.KMeans(n_clusters=2, init=X[:3]).fit(X)
    km = kmkit.KMeans(n_clusters=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="4 features"):
        km.predict(X[:, :3])


def test_fitted_model_pickles(blobs):
    X, _ = blobs
    km = kmkit.KMeans(n_clusters=5, random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(km))
    np.testing.assert_array_equal(again.predict(X), km.labels_)


def test_minibatch_close_to_sklearn(blobs):
    X, y = blobs
    mb = kmkit.MiniBatchKMeans(n_clusters=5, random_state=0, batch_size=256).fit(X)
    sk = skc.MiniBatchKMeans(n_clusters=5, random_state=0, batch_size=256, n_init=1).fit(X)
    assert mb.cluster_centers_.shape == (5, 4)
    assert adjusted_rand_score(y, mb.labels_) > 0.95
    assert mb.inertia_ <= sk.inertia_ * 1.05
    np.testing.assert_array_equal(mb.predict(X), mb.labels_)
    no_labels = kmkit.MiniBatchKMeans(n_clusters=5, random_state=0, compute_labels=False).fit(X)
    assert not hasattr(no_labels, "labels_")
    sparse = kmkit.MiniBatchKMeans(n_clusters=5, random_state=0, batch_size=256).fit(sp.csr_matrix(X))
    assert adjusted_rand_score(y, sparse.labels_) > 0.95


def test_partial_fit_is_sklearns_step(blobs):
    # Given centres and no reassignment there is no randomness: each call is
    # one step on all rows with per-centre counts, as scikit-learn's.
    X, _ = blobs
    init = X[[0, 1, 2, 3, 4]]
    batches = np.array_split(X, 6)
    ours = kmkit.MiniBatchKMeans(n_clusters=5, init=init, reassignment_ratio=0.0)
    ref = skc.MiniBatchKMeans(n_clusters=5, init=init, n_init=1, reassignment_ratio=0.0)
    for b in batches:
        ours.partial_fit(b)
        ref.partial_fit(b)
        np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-4)
    assert ours.n_steps_ == ref.n_steps_ == 6
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    with pytest.raises(ValueError, match="features"):
        ours.partial_fit(X[:, :3])


def test_partial_fit_seeds_on_first_batch_and_continues_fit(blobs):
    X, y = blobs
    mb = kmkit.MiniBatchKMeans(n_clusters=5, random_state=3, batch_size=100)
    for b in np.array_split(X, 10):
        mb.partial_fit(b)
    assert mb.n_steps_ == 10
    assert adjusted_rand_score(y, mb.predict(X)) > 0.95
    # A pickled stream continues exactly as the original.
    copy = pickle.loads(pickle.dumps(mb))
    for est in (mb, copy):
        est.partial_fit(X[:500], sample_weight=np.linspace(0.5, 2.0, 500))
    np.testing.assert_array_equal(copy.cluster_centers_, mb.cluster_centers_)
    assert copy.n_steps_ == mb.n_steps_ == 11
    # After fit, partial_fit steps on from the fitted centres and counts.
    fitted = kmkit.MiniBatchKMeans(n_clusters=5, random_state=0, batch_size=256).fit(X)
    steps, before = fitted.n_steps_, fitted.cluster_centers_.copy()
    assert steps >= 1
    fitted.partial_fit(X[:50])
    assert fitted.n_steps_ == steps + 1
    # Large counts: one small batch barely moves the centres.
    assert np.abs(fitted.cluster_centers_ - before).max() < 0.05
    with pytest.raises(ValueError, match="n_samples=3"):
        kmkit.MiniBatchKMeans(n_clusters=5).partial_fit(X[:3])


def test_strided_sample_weight_is_not_a_panic(blobs):
    # The extension takes strided float32 weights (a copy), never panics.
    from kmkit import _kmkit

    X, _ = blobs
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    w2 = np.repeat(np.linspace(0.5, 2.0, X.shape[0]).astype(np.float32), 2)
    strided, dense = w2[::2], np.ascontiguousarray(w2[::2])
    assert not strided.flags.c_contiguous
    args = (5, "k-means++", None, 1, 300, 1e-4, "lloyd", 0, 0, False)
    a = _kmkit.kmeans_fit(X32, strided, *args)
    b = _kmkit.kmeans_fit(X32, dense, *args)
    np.testing.assert_array_equal(a[0], b[0])
    c = X32[:5]
    np.testing.assert_array_equal(_kmkit.partial_stats(X32, c, strided).sums, _kmkit.partial_stats(X32, c, dense).sums)
    stream = _kmkit.MiniBatchStream(5, "k-means++", None, 0, 0, 100, None, 0.01, True)
    stream.partial_fit(X32, strided)
    assert stream.n_steps == 1
