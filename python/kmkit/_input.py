"""Turning what scikit-learn users pass into what the extension takes."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def to_core(X):
    """A C-contiguous float32 array, or a CSR matrix's parts as the
    extension's ``(data, indices, indptr, n_rows, n_cols)`` tuple.

    The caller has validated ``X`` (finite, 2-D, numeric); kmkit-core works
    in float32 with float64 sums.
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        X.sum_duplicates()
        X.sort_indices()
        return (
            np.ascontiguousarray(X.data, dtype=np.float32),
            np.ascontiguousarray(X.indices, dtype=np.uint32),
            np.ascontiguousarray(X.indptr, dtype=np.uint64),
            int(X.shape[0]),
            int(X.shape[1]),
        )
    return np.ascontiguousarray(X, dtype=np.float32)


def weights_to_core(sample_weight):
    """Optional contiguous float32 weights."""
    if sample_weight is None:
        return None
    return np.ascontiguousarray(sample_weight, dtype=np.float32)


def seed_from(random_state) -> int:
    """An int ``random_state`` is the kmkit seed itself (``--seed`` of the
    CLI); ``None`` or a ``RandomState`` draws one, as scikit-learn does."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
