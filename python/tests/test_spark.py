"""kmkit.spark on a local[2] Spark (loopback only). Skipped when PySpark or
Java is missing (CI); see python/README.md."""

import os
import shutil
import sys

import numpy as np
import pytest

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("no Java runtime", allow_module_level=True)

import kmkit  # noqa: E402
import kmkit.spark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # Spark's Python workers must use this interpreter (it has kmkit).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    s = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield s
    s.stop()


def test_spark_rdd_matches_single_process_fit(spark, blobs):
    X, _ = blobs
    seed = 13
    ref = kmkit.KMeans(n_clusters=5, init="k-means||", n_init=1, random_state=seed, algorithm="lloyd", refine=False).fit(X)
    blocks = kmkit.spark.rows_to_blocks(spark.sparkContext.parallelize(X.tolist(), 6))
    got = kmkit.spark.fit(blocks, 5, random_state=seed)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
    assert got.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)


def test_spark_dataframe(spark, blobs):
    X, _ = blobs
    cols = [f"x{j}" for j in range(X.shape[1])]
    # A local list keeps its row order across the DataFrame's partitions.
    df = spark.createDataFrame([tuple(map(float, r)) for r in X], cols)
    ref = kmkit.KMeans(n_clusters=5, init="k-means||", n_init=1, random_state=2, algorithm="lloyd", refine=False).fit(X)
    got = kmkit.spark.fit_dataframe(df, cols, 5, random_state=2)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)


def test_spark_relocates_an_emptied_cluster_as_the_core(spark, blobs):
    X, _ = blobs
    init = X[[0, 1, 2, 3]].tolist() + [[1e3] * X.shape[1]]
    ref = kmkit.KMeans(n_clusters=5, init=init, algorithm="lloyd", refine=False).fit(X)
    blocks = kmkit.spark.rows_to_blocks(spark.sparkContext.parallelize(X.tolist(), 4))
    got = kmkit.spark.fit(blocks, 5, init=init)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-5, atol=1e-5)
