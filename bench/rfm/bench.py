"""The whole CDNOW RFM pipeline: kmkit-rfm vs the pandas + scikit-learn recipe.

Both sides time the same steps in-process (no interpreter or process start-up
counted): read the gzip'd whitespace log, parse dates, RFM per customer at the
day after the last purchase, quintile scores (frequency ranked first) and RF
segment names, log1p + StandardScaler, KMeans(k=4, n_init=N_INIT). Runs
alternate (Python, then kmkit, RUNS times) so a changing machine load hits
both sides alike; medians are reported. Both sides are timed warm: Python
after one untimed warm-up (imports, caches), kmkit as the second run of each
process (its first run, 10-40 % slower on this VM, is reported as "cold"
with its own speed-up).

    python bench/rfm/bench.py [RUNS]              # from the repository root; needs pandas, scikit-learn
    N_INIT=1 python bench/rfm/bench.py [RUNS]     # scikit-learn's default n_init ("auto" = 1 for k-means++)

N_INIT defaults to 10, what the common recipe passes; both sides use the same.
"""
import os
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
N_INIT = int(os.environ.get("N_INIT", "10"))
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
    km = KMeans(n_clusters=4, n_init=N_INIT, random_state=0).fit(x)
    return len(rfm), km.inertia_


def main():
    if not os.environ.get("SKIP_BUILD"):
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "kmkit-rfm", "--example", "rfm_pipeline"], check=True)
    pandas_pipeline()  # warm-up: imports, caches
    times, rust_times, rust_cold = [], [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        n, inertia = pandas_pipeline()
        times.append(time.perf_counter() - t0)
        out = subprocess.run(["target/release/examples/rfm_pipeline", PATH, "2"], check=True,
                             capture_output=True, text=True, env={**os.environ, "RFM_N_INIT": str(N_INIT)}).stdout
        rust = json.loads(out)
        rust_cold.append(rust["seconds"][0])
        rust_times.extend(rust["seconds"][1:])
    py_med, rs_med = statistics.median(times), statistics.median(rust_times)
    cold_med = statistics.median(rust_cold)
    import sklearn
    print(json.dumps({
        "runs": RUNS,
        "n_init": N_INIT,
        "pandas_sklearn": {"median_s": round(py_med, 4), "all_s": [round(t, 3) for t in times], "customers": n,
                           "inertia": round(inertia, 3),
                           "versions": {"pandas": pd.__version__, "scikit-learn": sklearn.__version__}},
        "kmkit": {"median_s": round(rs_med, 4), "all_s": [round(t, 3) for t in rust_times],
                  "cold_median_s": round(cold_med, 4), "cold_all_s": [round(t, 3) for t in rust_cold],
                  "customers": rust["customers"], "inertia": round(rust["inertia"], 3)},
        "speedup": round(py_med / rs_med, 1),
        "speedup_cold": round(py_med / cold_med, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
