"""kmkit's anchor benchmark: one command prepares the data, runs kmkit and the
anchors (scikit-learn, scikit-learn-intelex/oneDAL, faiss-cpu, linfa-clustering)
on the same data from the same starting centroids, alternating runs, and prints
medians as a Markdown table (also saved to bench/results/).

    python3 bench/run.py            # full sizes (n = 1e6 dense case: ~20 min)
    python3 bench/run.py --quick    # small sizes, a minute or two
    python3 bench/run.py --cases dense,seed --repeats 5

It creates bench/.venv and installs the anchors there with pip. In the anchor
processes alone it unsets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see README).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
DATA = HERE / "data"
RESULTS = HERE / "results"
PEAK_GFLOPS = {1: 215.0, 2: 430.0}  # f32 FMA peak of this 2-core AVX-512 machine (DESIGN.md)
PIP = ["numpy", "scikit-learn", "threadpoolctl", "faiss-cpu", "scikit-learn-intelex", "pillow"]


def venv_python():
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    for pkg in PIP:
        # Each anchor is optional: one that does not install is reported, not fatal.
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", pkg], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"note: pip could not install {pkg}; its rows are skipped", file=sys.stderr)
    return str(py)


def have(py, module):
    return subprocess.run([py, "-c", f"import {module}"], capture_output=True).returncode == 0


def prepare(py, quick):
    DATA.mkdir(exist_ok=True)
    script = f"""
import numpy as np, os
from sklearn.datasets import make_blobs
quick = {quick!r}
out = {str(DATA)!r}
def save(name, a):
    np.save(os.path.join(out, name), np.ascontiguousarray(a, dtype=np.float32))
n = 20_000 if quick else 1_000_000
x, _ = make_blobs(n_samples=n, n_features=64, centers=256, cluster_std=4.0, random_state=0)
save("dense.npy", x)
rng = np.random.default_rng(0)
save("dense_init.npy", x[rng.choice(n, 256, replace=False)])
# Birch-like 2-D: a 10 x 10 grid of Gaussian blobs (scikit-learn's Birch example).
g = np.linspace(-15, 15, 10)
centres = np.array([[a, b] for a in g for b in g])
nb = 10_000 if quick else 100_000
b, _ = make_blobs(n_samples=nb, centers=centres, cluster_std=1.0, random_state=0)
save("birch.npy", b)
save("birch_init.npy", b[rng.choice(nb, 100, replace=False)])
from sklearn.datasets import load_sample_image
p = load_sample_image("china.jpg").reshape(-1, 3) / 255.0
save("china.npy", p)
save("china_init.npy", p[rng.choice(len(p), 64, replace=False)])
"""
    subprocess.run([py, "-c", script], check=True)


def build():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kmkit-bench"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "release" / "kmkit-bench")


def anchor_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def run_one(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        return {"error": (r.stderr or r.stdout).strip().splitlines()[-1:]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def cases(quick):
    d = str(DATA)
    it = 20
    return {
        "dense": dict(
            title="dense Lloyd, d=64, k=256, 20 iterations from the same centroids",
            flops_per_iter=lambda n: 2 * n * 256 * 64,
            args=["--data", f"{d}/dense.npy", "--init", f"{d}/dense_init.npy", "--k", "256", "--max-iter", str(it), "--tol", "0"],
            engines=[("kmkit", ["--algorithm", "lloyd"]), ("sklearn", ["--algorithm", "lloyd"]), ("sklearnex", ["--algorithm", "lloyd"]),
                     ("faiss", []), ("linfa", [])],
            threads=[1, 2],
        ),
        "seed": dict(
            title="greedy k-means++ seeding, d=64, k=256 (and kmkit's k-means||)",
            args=["--data", f"{d}/dense.npy", "--k", "256", "--task", "seed"],
            engines=[("kmkit", ["--seeding", "kmeans++"]), ("kmkit", ["--seeding", "kmeans||"]), ("sklearn", [])],
            threads=[2],
        ),
        "china": dict(
            title="china.jpg pixels (273,280 x 3), k=64, whole fit to tol 1e-4",
            args=["--data", f"{d}/china.npy", "--init", f"{d}/china_init.npy", "--k", "64", "--max-iter", "300", "--tol", "1e-4"],
            engines=[("kmkit", ["--algorithm", "auto"]), ("kmkit", ["--algorithm", "lloyd"]), ("sklearn", ["--algorithm", "lloyd"]),
                     ("sklearn", ["--algorithm", "elkan"])],
            threads=[2],
        ),
        "birch": dict(
            title="Birch-like 2-D blobs (100,000 x 2), k=100, whole fit to tol 1e-4",
            args=["--data", f"{d}/birch.npy", "--init", f"{d}/birch_init.npy", "--k", "100", "--max-iter", "300", "--tol", "1e-4"],
            engines=[("kmkit", ["--algorithm", "auto"]), ("kmkit", ["--algorithm", "lloyd"]), ("sklearn", ["--algorithm", "lloyd"]),
                     ("sklearn", ["--algorithm", "elkan"])],
            threads=[2],
        ),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cases", default="dense,seed,china,birch")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    py = venv_python()
    prepare(py, a.quick)
    kmkit = build()
    available = {"kmkit": True, "linfa": True, "sklearn": have(py, "sklearn"), "faiss": have(py, "faiss"),
                 "sklearnex": have(py, "sklearnex")}
    env = anchor_env()
    rows, raw = [], []
    for name in a.cases.split(","):
        case = cases(a.quick)[name]
        for threads in case["threads"]:
            runs = {}
            for rep in range(a.repeats):
                # Alternate engines within each repeat so drift hits all alike.
                for engine, extra in case["engines"]:
                    if not available[engine]:
                        continue
                    label = " ".join([engine] + extra)
                    common = case["args"] + ["--threads", str(threads)]
                    if engine in ("kmkit", "linfa"):
                        cmd = [kmkit, "--engine", engine] + common + extra
                        out = run_one(cmd)
                    else:
                        cmd = [py, str(HERE / "anchors.py"), engine] + common + extra
                        out = run_one(cmd, env)
                    out.update(case=name, threads=threads, label=label, repeat=rep)
                    raw.append(out)
                    runs.setdefault(label, []).append(out)
            base = None
            for label, outs in runs.items():
                ok = [o for o in outs if "seconds" in o]
                if not ok:
                    rows.append((name, threads, label, "failed: " + str(outs[0].get("error"))))
                    continue
                sec = statistics.median(o["seconds"] for o in ok)
                iters = statistics.median(max(o.get("n_iter", 0), 1) for o in ok)
                inertia = statistics.median(o["inertia"] for o in ok)
                if base is None and label.startswith("kmkit"):
                    base = sec
                row = dict(case=name, threads=threads, engine=label, seconds=sec, n_iter=iters, inertia=inertia,
                           ms_per_iter=1e3 * sec / iters, ratio=(sec / base) if base else None,
                           peak_rss=statistics.median(o.get("peak_rss_bytes") or 0 for o in ok),
                           kernel=ok[0].get("kernel") or ok[0].get("blas"))
                if "flops_per_iter" in case:
                    gf = case["flops_per_iter"](ok[0]["n"]) / (row["ms_per_iter"] / 1e3) / 1e9
                    row.update(gflops=gf, peak_share=gf / PEAK_GFLOPS[threads])
                rows.append(row)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"raw-{stamp}.json").write_text(json.dumps(raw, indent=1))
    table = render(rows, a)
    (RESULTS / f"table-{stamp}.md").write_text(table)
    print(table)


def render(rows, a):
    lines = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; command: "
             f"`python3 bench/run.py{' --quick' if a.quick else ''} --cases {a.cases} --repeats {a.repeats}`", "",
             "| case | threads | engine | ms/iter | fit s | iters | inertia | GFLOP/s | % peak | time / kmkit |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if isinstance(r, tuple):
            lines.append(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | | | | | | |")
            continue
        gf = f"{r['gflops']:.1f}" if "gflops" in r else ""
        ps = f"{100 * r['peak_share']:.0f}%" if "peak_share" in r else ""
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] else ""
        lines.append(f"| {r['case']} | {r['threads']} | {r['engine']} | {r['ms_per_iter']:.1f} | {r['seconds']:.3f} | "
                     f"{r['n_iter']:.0f} | {r['inertia']:.6g} | {gf} | {ps} | {ratio} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
