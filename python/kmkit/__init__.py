"""kmkit: exact, deterministic, SIMD k-means from Rust.

``KMeans`` and ``MiniBatchKMeans`` are scikit-learn estimators backed by
``kmkit-core`` (the GIL is released while they work). The ``kmkit.distributed``
module holds the engine-neutral primitives (``partial_stats``, ``merge``,
``finalize``, k-means|| rounds) and one generic driver; ``kmkit.dask``,
``kmkit.ray`` and ``kmkit.spark`` run that driver on each engine.
"""

from ._estimators import KMeans, MiniBatchKMeans
from ._kmkit import PartialStats, partial_stats

__all__ = ["KMeans", "MiniBatchKMeans", "PartialStats", "partial_stats"]
