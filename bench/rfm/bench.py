"""The whole CDNOW RFM pipeline: kmkit-rfm vs the pandas + scikit-learn recipe.

Both sides time the same steps in-process (no interpreter or process start-up
counted): read the gzip'd whitespace log, parse dates, RFM per customer at the
day after the last purchase, quintile scores (frequency ranked first) and RF
segment names, log1p + StandardScaler, KMeans(k=4, n_init=10). Median of RUNS
runs each (after one warm-up on the Python side; the Rust side's first run is
included, it has nothing to warm).

    python bench/rfm/bench.py            # from the repository root; needs pandas, scikit-learn
"""
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

PATH = "datasets/customers/CDNOW_master.txt.gz"
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
SEG_MAP = {
    r"[1-2][1-2]": "hibernating", r"[1-2][3-4]": "at risk", r"[1-2]5": "can't lose them",
    r"3[1-2]": "about to sleep", r"33": "need attention", r"[3-4][4-5]": "loyal customers",
    r"41": "promising", r"51": "new customers", r"[4-5][2-3]": "potential loyalists", r"5[4-5]": "champions",
}


def pandas_pipeline():
    d = pd.read_csv(PATH, sep=r"\s+", dtype={"customer_id": str})
    d["date"] = pd.to_datetime(d.date.astype(str), format="%Y%m%d")
    snap = d.date.max() + pd.Timedelta(days=1)
    g = d.groupby("customer_id")
    rfm = pd.DataFrame({
        "recency": (snap - g.date.max()).dt.days,
        "frequency": g.size(),
        "monetary": g.dollar_value.sum(),
    })
    rfm["R"] = pd.qcut(rfm.recency, 5, labels=[5, 4, 3, 2, 1])
    rfm["F"] = pd.qcut(rfm.frequency.rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    rfm["M"] = pd.qcut(rfm.monetary, 5, labels=[1, 2, 3, 4, 5])
    rfm["segment"] = (rfm.R.astype(str) + rfm.F.astype(str)).replace(SEG_MAP, regex=True)
    x = StandardScaler().fit_transform(np.log1p(rfm[["recency", "frequency", "monetary"]]))
    km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(x)
    return len(rfm), km.inertia_


def main():
    pandas_pipeline()  # warm-up: imports, caches
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        n, inertia = pandas_pipeline()
        times.append(time.perf_counter() - t0)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kmkit-rfm", "--example", "rfm_pipeline"], check=True)
    out = subprocess.run(["target/release/examples/rfm_pipeline", PATH, str(RUNS)],
                         check=True, capture_output=True, text=True).stdout
    rust = json.loads(out)
    py_med, rs_med = statistics.median(times), statistics.median(rust["seconds"])
    import sklearn
    print(json.dumps({
        "runs": RUNS,
        "pandas_sklearn": {"median_s": round(py_med, 4), "customers": n, "inertia": round(inertia, 3),
                            "versions": {"pandas": pd.__version__, "scikit-learn": sklearn.__version__}},
        "kmkit": {"median_s": round(rs_med, 4), "customers": rust["customers"], "inertia": round(rust["inertia"], 3)},
        "speedup": round(py_med / rs_med, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
