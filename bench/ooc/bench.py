#!/usr/bin/env python3
"""Peak memory of `kmkit fit --memory-limit` on files larger than the limit.

Writes Gaussian-blob .fbin files of the given sizes into a scratch directory
(chunk by chunk, so this script stays small too), runs

    /usr/bin/time -v kmkit fit FILE -k K --memory-limit LIMIT --max-iter N -q --format json

on each, and prints file size, rows, wall time, seconds per pass and peak RSS
("Maximum resident set size"). The files are deleted afterwards. Peak RSS
should not grow with the file: the out-of-core path holds one chunk, the
seeding sample and k × d statistics.

Usage: python3 bench/ooc/bench.py [--sizes-gb 1,3] [--dim 32] [--k 16]
       [--limit 256M] [--max-iter 5] [--dir /tmp] [--format npy|fbin]
Needs numpy and a release build (`cargo build --release -p kmkit`).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_fbin(path, n, d, k, seed=0, block=1 << 18):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-50, 50, size=(k, d)).astype(np.float32)
    with open(path, "wb") as f:
        f.write(np.array([n, d], dtype="<u4").tobytes())
        for start in range(0, n, block):
            m = min(block, n - start)
            x = centres[rng.integers(0, k, m)] + rng.standard_normal((m, d), dtype=np.float32)
            f.write(x.astype("<f4").tobytes())


def write_npy(path, n, d, k, seed=0, block=1 << 18):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-50, 50, size=(k, d)).astype(np.float32)
    out = np.lib.format.open_memmap(path, mode="w+", dtype="<f4", shape=(n, d))
    for start in range(0, n, block):
        m = min(block, n - start)
        out[start:start + m] = centres[rng.integers(0, k, m)] + rng.standard_normal(
            (m, d), dtype=np.float32)
    out.flush()
    del out


def run(cmd):
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, rss_kb, json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes-gb", default="1,3")
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--limit", default="256M")
    ap.add_argument("--max-iter", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--format", choices=["fbin", "npy"], default="fbin")
    ap.add_argument("--kmkit", default=os.path.join(ROOT, "target/release/kmkit"))
    a = ap.parse_args()
    sizes = [float(s) for s in a.sizes_gb.split(",")]
    need = max(sizes) * 1.05e9
    free = shutil.disk_usage(a.dir).free
    if free < need + 2e9:
        sys.exit(f"{a.dir}: {free / 1e9:.1f} GB free, need {need / 1e9:.1f} GB + 2 GB headroom")
    print(f"| file | rows × dim | --memory-limit | k | iterations | wall s | s / iteration | peak RSS |")
    print(f"|---|---|---|---|---|---|---|---|")
    for gb in sizes:
        n = int(gb * 1e9 / (4 * a.dim))
        path = os.path.join(a.dir, f"kmkit-ooc-{os.getpid()}-{gb:g}gb.{a.format}")
        try:
            (write_fbin if a.format == "fbin" else write_npy)(path, n, a.dim, a.k)
            cmd = [a.kmkit, "fit", path, "-k", str(a.k), "--memory-limit", a.limit,
                   "--max-iter", str(a.max_iter), "--threads", str(a.threads),
                   "-q", "--format", "json"]
            wall, rss_kb, summary = run(cmd)
            assert summary["mode"] == "out-of-core", summary["mode"]
            it = summary["n_iter"]
            print(f"| {os.path.getsize(path) / 1e9:.2f} GB .{a.format} | {n:,} × {a.dim} | {a.limit} "
                  f"| {a.k} | {it} | {wall:.1f} | {wall / max(it, 1):.2f} | {rss_kb / 1024:.0f} MiB |",
                  flush=True)
        finally:
            if os.path.exists(path):
                os.remove(path)


if __name__ == "__main__":
    main()
