"""k-means on a Dask array (recipe: blocks of rows are the partitions).

::

    import dask.array as da
    from dask.distributed import Client, LocalCluster
    import kmkit.dask

    client = Client(LocalCluster(n_workers=2, host="127.0.0.1"))
    X = da.from_array(big, chunks=(100_000, -1))
    model = kmkit.dask.fit(X, n_clusters=8, random_state=0)
    model.cluster_centers_, model.inertia_

Each pass is one ``map_blocks`` over the row blocks (every block learns its
global row offset from ``block_info``) that turns a block into a 1 × 1
object block holding the kmkit result, then one ``dask.array.reduction``
that merges those results in a tree (``split_every`` blocks at a time);
only the root (k × d statistics) comes back to the client. ``X`` is
persisted first so passes do not recompute it. Works with the threaded
scheduler too.
"""

from __future__ import annotations

import functools

import numpy as np

from . import distributed as _dist


class _Box:
    """Holds one kmkit value in an object block (numpy would unpack a tuple)."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


def _boxed(v):
    out = np.empty((1, 1), dtype=object)
    out[0, 0] = _Box(v)
    return out


def _values(parts):
    """The boxed values of a (nested) list of object blocks, in block order."""
    if isinstance(parts, np.ndarray):
        return [b.v for b in parts.ravel()]
    return [v for p in parts for v in _values(p)]


def _map_block(task, x, w=None, block_info=None):
    offset = int(block_info[0]["array-location"][0][0])
    return _boxed(task(x, None if w is None else w[:, 0], offset))


def _merge(combine, parts, axis=None, keepdims=False):
    return _boxed(functools.reduce(combine, _values(parts)))


def _keep(block, axis=None, keepdims=False):
    return block


def _root(combine, parts, axis=None, keepdims=False):
    out = np.empty((), dtype=object)
    out[()] = _Box(functools.reduce(combine, _values(parts)))
    return out


def map_reduce_over(X, sample_weight=None, split_every: int = 4):
    """The engine callable of :func:`kmkit.distributed.fit` for a Dask array."""
    import dask.array as da

    X = da.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim}-D")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    X = X.persist()
    arrays = [X]
    if sample_weight is not None:
        w = da.asarray(sample_weight)
        if w.shape != (X.shape[0],):
            raise ValueError(f"sample_weight has shape {w.shape}, expected ({X.shape[0]},)")
        arrays.append(w.rechunk((X.chunks[0],))[:, None].persist())
    out_chunks = ((1,) * X.numblocks[0], (1,))

    def map_reduce(task, combine):
        per_block = da.map_blocks(
            functools.partial(_map_block, task), *arrays, dtype=object, chunks=out_chunks, meta=np.empty((0, 0), dtype=object)
        )
        root = da.reduction(
            per_block,
            chunk=_keep,
            combine=functools.partial(_merge, combine),
            aggregate=functools.partial(_root, combine),
            axis=(0, 1),
            concatenate=False,
            dtype=object,
            split_every=split_every,
            meta=np.empty((), dtype=object),
        )
        return np.asarray(root.compute()).item().v

    return map_reduce


def fit(X, n_clusters: int, *, sample_weight=None, **kwargs) -> _dist.DistributedFit:
    """Exact k-means of a Dask array; keyword arguments as :func:`kmkit.distributed.fit`."""
    return _dist.fit(map_reduce_over(X, sample_weight), n_clusters, **kwargs)
