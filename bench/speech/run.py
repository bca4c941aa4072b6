"""MFCC throughput: kmkit-speech vs librosa on the 2,000 FSDD recordings.

Times whole processes (start-up, imports, reading every WAV, MFCCs) with the
same parameters on both sides, median of N runs each, after one warm-up run
(so both read the files from the page cache). kmkit runs with 1 thread and
with all cores (rayon).

    /work/venv/bin/pip install librosa          # once; any venv with librosa
    cargo build --release -p kmkit-speech --example mfcc_files
    python bench/speech/run.py --python /work/venv/bin/python [--runs 5]
"""
import argparse
import os
import pathlib
import resource
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets/speech/fsdd/recordings"


def timed(cmd, env, runs):
    """Median wall-clock and CPU (user + system) seconds of `runs` runs.

    CPU time is reported too because a shared machine's load inflates wall
    time; on an idle machine the two agree for one thread."""
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.strip()  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(walls), walls, statistics.median(cpus), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default="python3", help="a Python with librosa installed")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    exe = ROOT / "target/release/examples/mfcc_files"
    if not exe.exists():
        raise SystemExit(f"{exe} missing: cargo build --release -p kmkit-speech --example mfcc_files")
    env = dict(os.environ)
    # OpenBLAS work-arounds for old builds slow a current numpy down: off for the anchor.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    lib, lib_all, lib_cpu, lib_out = timed([args.python, str(ROOT / "bench/speech/librosa_mfcc.py"), str(DATA)], env, args.runs)
    print(f"librosa           wall median {lib:.3f} s (runs {[round(t, 3) for t in lib_all]}), CPU median {lib_cpu:.3f} s -> {lib_out}")
    for threads in ("1", str(os.cpu_count())):
        env_k = dict(env, RAYON_NUM_THREADS=threads)
        k, k_all, k_cpu, k_out = timed([str(exe), str(DATA)], env_k, args.runs)
        print(f"kmkit {threads} thread(s) wall median {k:.3f} s (runs {[round(t, 3) for t in k_all]}), CPU median {k_cpu:.3f} s -> {k_out}")
        print(f"  speed-up vs librosa: wall {lib / k:.1f}x, CPU {lib_cpu / k_cpu:.1f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
