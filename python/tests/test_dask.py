"""kmkit.dask on a local Dask cluster (two worker processes, loopback only)."""

import numpy as np
import pytest

import kmkit
import kmkit.dask

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_cluster_matches_single_process_fit(client, blobs):
    # One fit (each pass is a round trip to the scheduler): weighted rows,
    # row blocks of uneven size, columns split in two (rechunked by the driver).
    X, _ = blobs
    seed = 21
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=X.shape[0])
    # The core's own k-means|| seeding: it draws what the driver draws.
    ref = kmkit.KMeans(
        n_clusters=5, init="k-means||", n_init=1, random_state=seed, algorithm="lloyd", refine=False
    ).fit(X, sample_weight=w)
    got = kmkit.dask.fit(
        da.from_array(X, chunks=(700, 2)), 5, sample_weight=da.from_array(w, chunks=500), random_state=seed
    )
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
    assert got.n_iter_ == ref.n_iter_
    # The work ran on the cluster's two worker processes.
    assert len(client.scheduler_info()["workers"]) == 2


def test_dask_relocates_an_emptied_cluster_as_the_core(client, blobs):
    X, _ = blobs
    init = X[[0, 1, 2, 3]].tolist() + [[1e3] * X.shape[1]]
    ref = kmkit.KMeans(n_clusters=5, init=init, algorithm="lloyd", refine=False).fit(X)
    got = kmkit.dask.fit(da.from_array(X, chunks=(450, -1)), 5, init=init)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert got.n_iter_ == ref.n_iter_
