"""kmkit on Spark vs Spark MLlib's KMeans on the same local[2] cluster and data.

Run from python/ with pyspark installed:  python bench/spark_mllib.py [n_rows [cluster_std]]
Prints one Markdown table row per tool: seeding time, time per Lloyd
iteration, iterations and inertia (both from k-means|| with 5 steps, tol 0,
20 iterations). Feeds BENCHMARKS.md ("Python: kmkit on Spark vs MLlib").
"""

import os
import sys
import time

import numpy as np
from pyspark.ml.clustering import KMeans as MLKMeans
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession
from sklearn.datasets import make_blobs

import kmkit.spark
from kmkit import distributed as dist

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
STD = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
K, D, ITERS, PARTS, SEED = 16, 16, 20, 4, 0

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.driver.bindAddress", "127.0.0.1")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.memory", "2g")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
X, _ = make_blobs(n_samples=N, centers=K, n_features=D, cluster_std=STD, random_state=SEED)
X = X.astype(np.float32)
rows = spark.sparkContext.parallelize(X.tolist(), PARTS)

# kmkit: blocks cached first, then seeding and the iterations timed apart.
blocks = kmkit.spark.rows_to_blocks(rows)
blocks.count()
mr = kmkit.spark.map_reduce_over(blocks)
t0 = time.perf_counter()
seeds = dist.kmeans_parallel_seeds(mr, K, SEED)
t1 = time.perf_counter()
fit = dist.fit(mr, K, init=seeds, max_iter=ITERS, tol=0.0)
t2 = time.perf_counter()
km_inertia = fit.inertia_

# MLlib: DataFrame of dense vectors, cached.
df = spark.createDataFrame(rows.map(lambda r: (Vectors.dense(r),)), ["features"]).cache()
df.count()
ml = MLKMeans(k=K, seed=SEED, maxIter=ITERS, tol=0.0, initMode="k-means||", initSteps=5)
t3 = time.perf_counter()
model = ml.fit(df)
t4 = time.perf_counter()
ml_iters = model.summary.numIter
ml_cost = model.summary.trainingCost

print(f"| rows | tool | seeding + fit (s) | time / iteration (ms) | iterations | inertia |")
print("|---|---|---|---|---|---|")
print(f"| {N:,} | kmkit.spark (k-means‖ {t1 - t0:.2f} s) | {t2 - t0:.2f} | {1000 * (t2 - t1) / fit.n_iter_:.0f} | {fit.n_iter_} | {km_inertia:.6g} |")
print(f"| {N:,} | Spark MLlib KMeans | {t4 - t3:.2f} | {1000 * (t4 - t3) / max(ml_iters, 1):.0f} (incl. seeding) | {ml_iters} | {ml_cost:.6g} |")
spark.stop()
