import numpy as np
import pytest


@pytest.fixture
def blobs():
    """Five well-separated Gaussian blobs in 4-D (2,000 rows), float64."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=2000, centers=5, n_features=4, cluster_std=1.0, random_state=3)
    return X, y
