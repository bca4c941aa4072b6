"""kmkit.ray on a local Ray instance (2 CPUs, loopback only). Skipped when
Ray is not installed (CI); see python/README.md."""

import numpy as np
import pytest

ray = pytest.importorskip("ray")

import kmkit  # noqa: E402
import kmkit.ray  # noqa: E402
from kmkit import distributed as dist  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_matches_single_process_fit(local_ray, blobs):
    X, _ = blobs
    seed = 5
    ref = kmkit.KMeans(n_clusters=5, init=dist.seeds(X, 5, random_state=seed), algorithm="lloyd", refine=False).fit(X)
    blocks = [ray.put(b) for b in np.array_split(X, 7)]
    got = kmkit.ray.fit(blocks, 5, random_state=seed)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
    assert got.n_iter_ == ref.n_iter_
