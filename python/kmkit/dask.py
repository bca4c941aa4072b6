"""k-means on a Dask array (recipe: blocks of rows are the partitions).

::

    import dask.array as da
    from dask.distributed import Client, LocalCluster
    import kmkit.dask

    client = Client(LocalCluster(n_workers=2, host="127.0.0.1"))
    X = da.from_array(big, chunks=(100_000, -1))
    model = kmkit.dask.fit(X, n_clusters=8, random_state=0)
    model.cluster_centers_, model.inertia_

Each pass maps one kmkit task over the row blocks (``X.to_delayed()``,
with every block's global row offset from ``X.chunks``) and reduces the
results in a binary tree of ``dask.delayed`` merges; only the tree's root
(k × d statistics) comes back to the client. ``X`` is persisted first so
passes do not recompute it. Works with the threaded scheduler too.
"""

from __future__ import annotations

import numpy as np

from . import distributed as _dist


def map_reduce_over(X, sample_weight=None):
    """The engine callable of :func:`kmkit.distributed.fit` for a Dask array."""
    import dask
    import dask.array as da

    X = da.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim}-D")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    X = X.persist()
    blocks = list(X.to_delayed()[:, 0])
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(int)
    w = None
    if sample_weight is None:
        wblocks = [None] * len(blocks)
    else:
        w = da.asarray(sample_weight).rechunk((X.chunks[0],)).persist()
        wblocks = list(w.to_delayed())
    # The persisted arrays hold the cluster's futures: keep them alive as
    # long as the driver runs passes, or the workers drop the blocks.
    persisted = (X, w)

    def map_reduce(task, combine):
        assert persisted[0] is not None
        level = [dask.delayed(task)(b, w, int(o)) for b, w, o in zip(blocks, wblocks, offsets)]
        merge = dask.delayed(combine)
        while len(level) > 1:
            level = [merge(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
        return level[0].compute()

    return map_reduce


def fit(X, n_clusters: int, *, sample_weight=None, **kwargs) -> _dist.DistributedFit:
    """Exact k-means of a Dask array; keyword arguments as :func:`kmkit.distributed.fit`."""
    return _dist.fit(map_reduce_over(X, sample_weight), n_clusters, **kwargs)
