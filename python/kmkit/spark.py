"""k-means on PySpark (recipe: ``mapPartitionsWithIndex`` + ``treeReduce``).

::

    from pyspark.sql import SparkSession
    import kmkit.spark

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    df = spark.read.parquet("points.parquet")          # numeric columns
    model = kmkit.spark.fit_dataframe(df, ["x0", "x1"], n_clusters=8, random_state=0)

A partition's rows become one float32 block (``rows_to_blocks``, from an
RDD of row vectors; ``fit_dataframe`` does it for numeric DataFrame
columns) and the blocks are cached. A first pass counts rows per partition to give each its global
row offset; every later pass is one ``mapPartitionsWithIndex`` task per
partition and a ``treeReduce`` of the results, which carry only k × d
statistics. Spark's reduce order is not fixed, so sums agree with other
engines to f64 rounding (centroids to f32 rounding).
"""

from __future__ import annotations

import numpy as np

from . import distributed as _dist


def rows_to_blocks(rdd):
    """An RDD of row vectors → an RDD with one float32 block per partition (cached)."""

    def block(rows):
        rows = list(rows)
        if rows:
            yield np.asarray(rows, dtype=np.float32)

    return rdd.mapPartitions(block).cache()


def map_reduce_over(blocks, depth: int = 2):
    """The engine callable of :func:`kmkit.distributed.fit` for an RDD of
    blocks (at most one per partition, as :func:`rows_to_blocks` makes)."""
    sizes = dict(blocks.mapPartitionsWithIndex(lambda i, it: [(i, sum(b.shape[0] for b in it))]).collect())
    offsets, start = {}, 0
    for i in sorted(sizes):
        offsets[i] = start
        start += sizes[i]
    offsets = blocks.context.broadcast(offsets)

    def map_reduce(task, combine):
        def run(i, it):
            for b in it:
                yield task(b, None, offsets.value[i])

        return blocks.mapPartitionsWithIndex(run).treeReduce(combine, depth=depth)

    return map_reduce


def fit(blocks, n_clusters: int, **kwargs) -> _dist.DistributedFit:
    """Exact k-means over an RDD of row blocks; keyword arguments as :func:`kmkit.distributed.fit`."""
    return _dist.fit(map_reduce_over(blocks), n_clusters, **kwargs)


def dataframe_blocks(df, columns):
    """Numeric DataFrame columns → a cached RDD of one float32 block per partition."""
    return rows_to_blocks(df.select(*columns).rdd.map(tuple))


def fit_dataframe(df, columns, n_clusters: int, **kwargs) -> _dist.DistributedFit:
    """Exact k-means of numeric DataFrame columns."""
    return fit(dataframe_blocks(df, columns), n_clusters, **kwargs)
