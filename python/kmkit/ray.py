"""k-means on Ray (recipe: remote tasks over row blocks + a tree reduce).

::

    import ray, kmkit.ray
    ray.init(num_cpus=2, include_dashboard=False)
    refs = [ray.put(block) for block in np.array_split(big, 8)]
    model = kmkit.ray.fit(refs, n_clusters=8, random_state=0)

The row blocks live in Ray's object store (``ObjectRef``\\s, in row
order; numpy arrays are ``ray.put`` for you). Each pass runs one remote
task per block and merges the results pairwise in remote tasks, so only
the root (k × d statistics) returns to the driver.
"""

from __future__ import annotations

import numpy as np

from . import distributed as _dist


def map_reduce_over(blocks, sample_weights=None):
    """The engine callable of :func:`kmkit.distributed.fit` for Ray blocks."""
    import ray

    refs = [b if isinstance(b, ray.ObjectRef) else ray.put(b) for b in blocks]
    sizes = ray.get([_rows.remote(r) for r in refs])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    wrefs = [None] * len(refs) if sample_weights is None else [ray.put(np.asarray(w)) for w in sample_weights]

    def map_reduce(task, combine):
        level = [_apply.remote(task, r, w, int(o)) for r, w, o in zip(refs, wrefs, offsets)]
        while len(level) > 1:
            level = [_combine.remote(combine, level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
        return ray.get(level[0])

    return map_reduce


def _remote(f):
    import ray

    return ray.remote(num_cpus=1)(f)


def _lazy(f):
    """Ray is imported on first use, so ``import kmkit.ray`` needs no Ray."""
    holder = {}

    class Lazy:
        def remote(self, *args):
            if "r" not in holder:
                holder["r"] = _remote(f)
            return holder["r"].remote(*args)

    return Lazy()


@_lazy
def _rows(block):
    return int(block.shape[0])


@_lazy
def _apply(task, block, w, offset):
    return task(block, w, offset)


@_lazy
def _combine(combine, a, b):
    return combine(a, b)


def fit(blocks, n_clusters: int, *, sample_weights=None, **kwargs) -> _dist.DistributedFit:
    """Exact k-means over Ray row blocks; keyword arguments as :func:`kmkit.distributed.fit`."""
    return _dist.fit(map_reduce_over(blocks, sample_weights), n_clusters, **kwargs)
