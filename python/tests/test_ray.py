"""kmkit.ray on a local Ray instance (2 CPUs, loopback only). Skipped when
Ray is not installed (CI); see python/README.md."""

import numpy as np
import pytest

ray = pytest.importorskip("ray")

import kmkit  # noqa: E402
import kmkit.ray  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_matches_single_process_fit(local_ray, blobs):
    X, _ = blobs
    seed = 5
    ref = kmkit.KMeans(n_clusters=5, init="k-means||", n_init=1, random_state=seed, algorithm="lloyd", refine=False).fit(X)
    blocks = [ray.put(b) for b in np.array_split(X, 7)]
    got = kmkit.ray.fit(blocks, 5, random_state=seed)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
    assert got.n_iter_ == ref.n_iter_


def test_ray_relocates_an_emptied_cluster_as_the_core(local_ray, blobs):
    X, _ = blobs
    init = X[[0, 1, 2, 3]].tolist() + [[1e3] * X.shape[1]]
    ref = kmkit.KMeans(n_clusters=5, init=init, algorithm="lloyd", refine=False).fit(X)
    got = kmkit.ray.fit([ray.put(b) for b in np.array_split(X, 5)], 5, init=init)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
