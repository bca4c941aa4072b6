"""kmkit's core benchmark against scikit-learn, scikit-learn-intelex (oneDAL),
faiss-cpu and linfa-clustering: one command prepares the data, runs every
engine on the same data from the same starting centroids, alternating runs,
and writes a Markdown table of medians plus the raw runs.

    python3 bench/run.py            # full sizes, 5 repetitions (≈ 15–20 min on a quiet 2-core machine)
    python3 bench/run.py --quick    # small sizes, 2 repetitions (≈ 1–2 min): checks the machinery
    python3 bench/run.py --cases dense,seed --repeats 7

See bench/README.md for the cases, the method and how to read the table.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
RESULTS = HERE / "results"
PIP = ["numpy", "scipy", "scikit-learn", "threadpoolctl", "pillow", "faiss-cpu", "scikit-learn-intelex"]
ALL_CASES = ["dense", "seed", "china", "birch", "sparse", "minibatch"]
# Variables set on some machines for old OpenBLAS builds; unset for every run of this command.
UNSET = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]
EQUAL = 1e-5  # relative inertia difference treated as "equal" (float noise of different summation orders)


# ----------------------------------------------------------------------------- setup


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def venv_python(install):
    py = VENV / "bin" / "python"
    if not py.exists():
        log(f"creating {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if install:
        log("pip install " + " ".join(PIP))
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", *PIP], capture_output=True, text=True)
        if r.returncode != 0:
            # One at a time, so that an anchor that does not install only loses its own rows.
            for pkg in PIP:
                r = subprocess.run([str(py), "-m", "pip", "install", "-q", pkg], capture_output=True, text=True)
                if r.returncode != 0:
                    log(f"note: pip could not install {pkg}; its rows are skipped")
    return str(py)


def have(py, module):
    return subprocess.run([py, "-c", f"import {module}"], capture_output=True).returncode == 0


def build():
    log("cargo build --release -p kmkit-bench")
    env = dict(os.environ, CARGO_INCREMENTAL="0")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kmkit-bench"], cwd=ROOT, check=True, env=env)
    return str(ROOT / "target" / "release" / "kmkit-bench")


def child_env(threads):
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        env[var] = str(threads)
    return env


def run_one(cmd, threads, timeout):
    """Runs one timed process; returns its JSON line plus the peak RSS the kernel saw (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, env=child_env(threads), cwd=ROOT)
        start = time.monotonic()
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                p.kill()
                _, status, usage = os.wait4(p.pid, 0)
                return {"error": f"timed out after {timeout} s"}
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    wall = time.monotonic() - start
    if p.returncode != 0:
        lines = (stderr or stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {p.returncode}"}
    try:
        r = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "no JSON line in output: " + stdout[-200:]}
    r["process_peak_rss_bytes"] = usage.ru_maxrss * 1024  # Linux reports KiB
    r["process_wall_seconds"] = wall
    return r


# ----------------------------------------------------------------------------- cases


class Engine:
    def __init__(self, label, kind, make, threads=None, post=None):
        self.label, self.kind, self.make, self.threads, self.post = label, kind, make, threads, post


def cases(data, kmkit, py, quick, avail):
    """Each case: engines (label, how to build the command for (seed, threads)), thread counts,
    the kmkit row the ratios are taken against, and what is compared (ms/iter or whole-fit s)."""
    D = data
    A = [py, str(HERE / "anchors.py")]
    dense_iters = 10  # per-iteration time; 10 keep the start-up share small and the whole run ≤ 20 min
    linfa_iters = 2  # linfa is ~15x slower per iteration: 2 iterations give its ms/iter
    fit_after_seed = 10
    epochs = 2

    def rust(*args):
        return [kmkit, *args]

    def dense_fit(extra):
        return lambda s, t: rust("fit", "--data", D / "dense.npy", "--init", D / f"dense_init_{s}.npy", "--k", 256,
                                 "--max-iter", dense_iters, "--tol", 0, "--threads", t, "--seed", s, *extra)

    def dense_anchor(engine, extra):
        return lambda s, t: [*A, "fit", engine, "--data", D / "dense.npy", "--init", D / f"dense_init_{s}.npy",
                             "--k", 256, "--max-iter", dense_iters, "--tol", 0, "--threads", t, "--seed", s, *extra]

    def whole(name, k, metric="euclidean", data_py=None, data_rs=None):
        data_py = data_py or D / f"{name}.npy"
        data_rs = data_rs or D / f"{name}.npy"

        def rs(extra):
            return lambda s, t: rust("fit", "--data", data_rs, "--init", D / f"{name}_init_{s}.npy", "--k", k,
                                     "--max-iter", 300, "--tol", 1e-4, "--threads", t, "--seed", s,
                                     "--metric", metric, *extra)

        def an(engine, algo):
            return lambda s, t: [*A, "fit", engine, "--data", data_py, "--init", D / f"{name}_init_{s}.npy",
                                 "--k", k, "--max-iter", 300, "--tol", 1e-4, "--threads", t, "--seed", s,
                                 "--algorithm", algo, "--metric", metric]

        return rs, an

    def seed_fit(label):
        # The same fitter (kmkit Lloyd, fixed iterations, from the saved seeds) scores every seeding.
        return lambda s, t, saved: rust("fit", "--data", D / "dense.npy", "--init", saved, "--k", 256,
                                        "--algorithm", "lloyd", "--max-iter", fit_after_seed, "--tol", 0,
                                        "--threads", t)

    china_rs, china_an = whole("china", 64)
    birch_rs, birch_an = whole("birch", 100)
    tf_rs, tf_an = whole("tfidf", 20, "cosine", data_py=D / "tfidf.npz", data_rs=D / "tfidf.csr")
    seeds_dir = D / "seeds"
    seeds_dir.mkdir(exist_ok=True)

    def saved(label, s):
        return seeds_dir / f"{label.replace(' ', '_').replace('|', 'p')}_{s}.npy"

    out = {
        "dense": dict(
            title=f"Dense Lloyd per iteration: n × 64 uniform f32, k = 256, {dense_iters} iterations, tol 0, same "
                  f"starting centroids (linfa: {linfa_iters} iterations)",
            threads=[1, 2], compare="ms_per_iter", ref="kmkit lloyd", flops=True,
            engines=[
                Engine("kmkit lloyd", "rust", dense_fit(["--algorithm", "lloyd"])),
                Engine("sklearn lloyd", "sklearn", dense_anchor("sklearn", ["--algorithm", "lloyd"])),
                Engine("sklearnex lloyd", "sklearnex", dense_anchor("sklearnex", ["--algorithm", "lloyd"])),
                Engine("faiss", "faiss", dense_anchor("faiss", [])),
                Engine(f"linfa ({linfa_iters} iterations)", "rust", lambda s, t: rust(
                    "fit", "--engine", "linfa", "--data", D / "dense.npy", "--init", D / f"dense_init_{s}.npy",
                    "--k", 256, "--max-iter", linfa_iters, "--tol", 0, "--threads", t)),
            ],
        ),
        "seed": dict(
            title=f"Seeding on the dense data (k = 256): seeding time; inertia after {fit_after_seed} kmkit Lloyd "
                  "iterations from the seeds",
            threads=[2], compare="seconds", ref="kmkit k-means++",
            engines=[
                Engine("kmkit k-means++", "rust", lambda s, t: rust(
                    "seed", "--data", D / "dense.npy", "--k", 256, "--seeding", "kmeans++", "--seed", s,
                    "--threads", t, "--save", saved("kmkit k-means++", s)), post=seed_fit("pp")),
                Engine("kmkit k-means||", "rust", lambda s, t: rust(
                    "seed", "--data", D / "dense.npy", "--k", 256, "--seeding", "kmeans-par", "--seed", s,
                    "--threads", t, "--save", saved("kmkit k-means||", s)), post=seed_fit("par")),
                Engine("sklearn k-means++", "sklearn", lambda s, t: [
                    *A, "seed", "sklearn", "--data", D / "dense.npy", "--k", 256, "--seed", s, "--threads", t,
                    "--save", saved("sklearn k-means++", s)], post=seed_fit("sk")),
            ],
        ),
        "china": dict(
            title="china.jpg pixels (× 3), k = 64: whole fit to tol 1e-4 (max 300) from the same k-means++ centroids",
            threads=[2], compare="seconds", ref="kmkit auto", best_anchor=["sklearn lloyd", "sklearn elkan"],
            engines=[
                Engine("kmkit auto", "rust", china_rs(["--algorithm", "auto"])),
                Engine("kmkit lloyd", "rust", china_rs(["--algorithm", "lloyd"])),
                Engine("kmkit auto +refine", "rust", china_rs(["--algorithm", "auto", "--refine"])),
                Engine("sklearn lloyd", "sklearn", china_an("sklearn", "lloyd")),
                Engine("sklearn elkan", "sklearn", china_an("sklearn", "elkan")),
                Engine("sklearnex lloyd", "sklearnex", china_an("sklearnex", "lloyd")),
            ],
        ),
        "birch": dict(
            title="Birch-like 2-D grid of 100 blobs, k = 100: whole fit to tol 1e-4 (max 300) from the same "
                  "k-means++ centroids",
            threads=[2], compare="seconds", ref="kmkit auto", best_anchor=["sklearn lloyd", "sklearn elkan"],
            engines=[
                Engine("kmkit auto", "rust", birch_rs(["--algorithm", "auto"])),
                Engine("kmkit lloyd", "rust", birch_rs(["--algorithm", "lloyd"])),
                Engine("kmkit auto +refine", "rust", birch_rs(["--algorithm", "auto", "--refine"])),
                Engine("sklearn lloyd", "sklearn", birch_an("sklearn", "lloyd")),
                Engine("sklearn elkan", "sklearn", birch_an("sklearn", "elkan")),
                Engine("sklearnex lloyd", "sklearnex", birch_an("sklearnex", "lloyd")),
            ],
        ),
        "sparse": dict(
            title="Sparse TF-IDF of the StackOverflow titles, k = 20: kmkit spherical k-means vs KMeans on the "
                  "same l2-normalised rows (the usual proxy); whole fit to tol 1e-4; objective Σ 2(1 − cos)",
            threads=[2], compare="seconds", ref="kmkit spherical", best_anchor=["sklearn lloyd", "sklearn elkan"],
            engines=[
                Engine("kmkit spherical", "rust", tf_rs(["--algorithm", "auto"])),
                Engine("sklearn lloyd", "sklearn", tf_an("sklearn", "lloyd")),
                Engine("sklearn elkan", "sklearn", tf_an("sklearn", "elkan")),
                Engine("sklearnex lloyd", "sklearnex", tf_an("sklearnex", "lloyd")),
            ],
        ),
        "minibatch": dict(
            title=f"Mini-batch on the dense data, k = 256, batch 1024, {epochs} passes (fixed step count: "
                  "no early stop, tol 0), same starting centroids; inertia on all rows",
            threads=[2], compare="seconds", ref="kmkit minibatch",
            engines=[
                Engine("kmkit minibatch", "rust", lambda s, t: rust(
                    "minibatch", "--data", D / "dense.npy", "--init", D / f"dense_init_{s}.npy", "--k", 256,
                    "--batch-size", 1024, "--epochs", epochs, "--seed", s, "--threads", t)),
                Engine("sklearn MiniBatchKMeans", "sklearn", lambda s, t: [
                    *A, "minibatch", "sklearn", "--data", D / "dense.npy", "--init", D / f"dense_init_{s}.npy",
                    "--k", 256, "--batch-size", 1024, "--epochs", epochs, "--seed", s, "--threads", t]),
            ],
        ),
    }
    for c in out.values():
        c["engines"] = [e for e in c["engines"] if avail.get(e.kind, True)]
    return out


# ----------------------------------------------------------------------------- running


def run_case(name, case, repeats, threads_allowed, timeout, raw):
    for threads in [t for t in case["threads"] if t in threads_allowed]:
        engines = [e for e in case["engines"] if e.threads is None or threads in e.threads]
        for rep in range(repeats):
            # Alternate engines within each repetition, rotating who goes first, so drift hits all alike.
            order = engines[rep % len(engines):] + engines[: rep % len(engines)]
            for e in order:
                r = run_one(e.make(rep, threads), threads, timeout)
                if e.post and "saved" in r:
                    f = run_one(e.post(rep, threads, r["saved"]), threads, timeout)
                    r["fit_inertia"] = f.get("inertia")
                    r["fit_error"] = f.get("error")
                r.update(case=name, label=e.label, threads=threads, repeat=rep)
                raw.append(r)
                msg = r.get("error") or f"{r['seconds']:.3f} s, inertia {r.get('fit_inertia') or r.get('inertia'):.6g}"
                log(f"  {name} t={threads} rep={rep} {e.label}: {msg}")


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(name, case, raw, peaks):
    """Median rows for one case: one per (threads, engine)."""
    rows = []
    runs = [r for r in raw if r.get("case") == name]
    for r in runs:
        if "error" not in r:
            r["ms_per_iter"] = 1e3 * r["seconds"] / r["n_iter"] if r.get("n_iter") else None
    for threads in sorted({r["threads"] for r in runs}):
        ref = [r for r in runs if r["threads"] == threads and r["label"] == case["ref"] and "error" not in r]
        ref_by_seed = {r["repeat"]: r for r in ref}
        key = case["compare"]
        for label in dict.fromkeys(r["label"] for r in runs if r["threads"] == threads):
            mine = [r for r in runs if r["threads"] == threads and r["label"] == label]
            ok = [r for r in mine if "error" not in r]
            row = dict(case=name, threads=threads, engine=label, runs=len(ok))
            if not ok:
                row["error"] = mine[0].get("error") if mine else "no run"
                rows.append(row)
                continue
            quality = "fit_inertia" if name == "seed" else "inertia"
            row.update(
                seconds=med(r["seconds"] for r in ok),
                n_iter=med(r.get("n_iter") for r in ok),
                ms_per_iter=med(r["ms_per_iter"] for r in ok),
                inertia=med(r.get(quality) for r in ok),
                rss=med(r.get("process_peak_rss_bytes") for r in ok),
                input_bytes=ok[0].get("input_bytes"),
                algorithm=ok[0].get("algorithm") or ok[0].get("seeding"),
                auto_picks=ok[0].get("auto_picks"),
                n=ok[0]["n"], d=ok[0]["d"], k=ok[0]["k"],
            )
            # Paired by seed: relative inertia difference to the kmkit reference row.
            diffs = [(r[quality] - ref_by_seed[r["repeat"]][quality]) / ref_by_seed[r["repeat"]][quality]
                     for r in ok if r["repeat"] in ref_by_seed and r.get(quality) is not None
                     and ref_by_seed[r["repeat"]].get(quality)]
            row["inertia_vs_ref"] = med(diffs)
            if "blas" in ok[0]:
                row["blas"] = ok[0]["blas"]
            if "onedal" in ok[0]:
                row["onedal"] = any(r.get("onedal") for r in ok)
            ref_val = med(r.get(key) for r in ref)
            if ref_val and row.get(key):
                row["ratio"] = row[key] / ref_val
            if case.get("flops") and row["ms_per_iter"]:
                row["gflops"] = 2.0 * row["n"] * row["k"] * row["d"] / (row["ms_per_iter"] / 1e3) / 1e9
                if peaks.get(threads):
                    row["peak_share"] = row["gflops"] / peaks[threads]
            rows.append(row)
    return rows


def find(rows, case, engine, threads=2):
    return next((r for r in rows if r["case"] == case and r["engine"] == engine and r["threads"] == threads
                 and "error" not in r), None)


def targets(rows, cases_run):
    """The issue's targets, each with the measured number and whether it is met."""
    out = []

    def add(case, target, measured, met):
        out.append(dict(case=case, target=target, measured=measured, met=met))

    def fmt(x, spec=".2f", suffix="×"):
        return "n/a" if x is None else f"{x:{spec}}{suffix}"

    if "dense" in cases_run:
        k = find(rows, "dense", "kmkit lloyd")
        for anchor in ("sklearn lloyd", "faiss", "sklearnex lloyd"):
            a = find(rows, "dense", anchor)
            if k and a:
                add("dense", f"≥ 2× faster per iteration than {anchor} (2 threads)", fmt(a["ratio"]),
                    a["ratio"] >= 2.0)
        k1 = find(rows, "dense", "kmkit lloyd", 1)
        if k and k1:
            s = k1["ms_per_iter"] / k["ms_per_iter"]
            add("threads", "1 → 2 threads ≥ 1.8× (dense, kmkit)", fmt(s), s >= 1.8)
        if k and k.get("rss") and k.get("input_bytes"):
            extra = 16 * 2**20  # k·d-sized buffers plus the process's own baseline (binary, allocator, stacks)
            add("memory", "kmkit dense fit peak RSS ≤ 1.25 × input + O(k·d) (allowance 16 MiB)",
                f"{k['rss'] / k['input_bytes']:.3f} × input ({k['rss'] / 2**20:.0f} MiB for "
                f"{k['input_bytes'] / 2**20:.0f} MiB)", k["rss"] <= 1.25 * k["input_bytes"] + extra)
    if "seed" in cases_run:
        pp, par, sk = (find(rows, "seed", e) for e in ("kmkit k-means++", "kmkit k-means||", "sklearn k-means++"))
        if pp and sk:
            add("seed", "greedy k-means++ ≥ 5× faster than scikit-learn's", fmt(sk["ratio"]), sk["ratio"] >= 5.0)
            d = -sk["inertia_vs_ref"] if sk.get("inertia_vs_ref") is not None else None
            add("seed", "same or lower inertia after the fit (kmkit++ vs sklearn++)",
                fmt(None if d is None else 100 * d, "+.4f", " % (kmkit − sklearn)"), d is not None and d <= EQUAL)
        if pp and par:
            add("k-means||", "k-means|| faster than greedy k-means++", fmt(1 / par["ratio"]), par["ratio"] < 1.0)
            d = par.get("inertia_vs_ref")
            add("k-means||", "final inertia within 1 % of greedy's", fmt(None if d is None else 100 * d, "+.4f", " %"),
                d is not None and abs(d) <= 0.01)
    for name in ("china", "birch", "sparse"):
        if name not in cases_run:
            continue
        ref = "kmkit spherical" if name == "sparse" else "kmkit auto"
        k = find(rows, name, ref)
        anchors = [r for r in (find(rows, name, "sklearn lloyd"), find(rows, name, "sklearn elkan")) if r]
        if k and anchors:
            best = min(anchors, key=lambda r: r["seconds"])
            d = best.get("inertia_vs_ref")
            met = best["ratio"] >= 3.0 and (d is None or d >= -EQUAL)
            add(name, f"whole fit ≥ 3× faster than scikit-learn's best of lloyd/elkan ({best['engine']}) at equal "
                      f"or lower inertia; auto picked {k.get('algorithm')}",
                f"{fmt(best['ratio'])}, inertia kmkit − sklearn {fmt(None if d is None else -100 * d, '+.4f', ' %')}",
                met)
    if "minibatch" in cases_run:
        k, s = find(rows, "minibatch", "kmkit minibatch"), find(rows, "minibatch", "sklearn MiniBatchKMeans")
        if k and s:
            d = s.get("inertia_vs_ref")
            add("minibatch", "faster than MiniBatchKMeans, inertia (all rows) no worse",
                f"{fmt(s['ratio'])}, inertia kmkit − sklearn {fmt(None if d is None else -100 * d, '+.4f', ' %')}",
                s["ratio"] > 1.0 and d is not None and d >= -EQUAL)
    return out


# ----------------------------------------------------------------------------- environment


def sh(cmd, cwd=ROOT):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd).stdout.strip()
    except OSError:
        return ""


def environment(py, peaks_raw):
    cpu = next((ln.split(":", 1)[1].strip() for ln in sh(["lscpu"]).splitlines() if ln.startswith("Model name")),
               platform.processor())
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), "0") if Path("/proc/meminfo").exists() else "0"
    versions = json.loads(sh([py, "-c", """
import json, sys, importlib.metadata as m
out = {"python": sys.version.split()[0]}
for p in ["numpy", "scipy", "scikit-learn", "threadpoolctl", "faiss-cpu", "scikit-learn-intelex", "daal"]:
    try: out[p] = m.version(p)
    except Exception: out[p] = None
print(json.dumps(out))
"""]) or "{}")
    lock = (ROOT / "Cargo.lock").read_text()
    for crate in ("linfa-clustering", "linfa"):
        i = lock.find(f'name = "{crate}"\nversion = "')
        versions[crate] = lock[i:].split('"')[3] if i >= 0 else None
    versions["rustc"] = sh(["rustc", "--version"])
    dirty = " (dirty)" if sh(["git", "status", "--porcelain", "--untracked-files=no"]) else ""
    return dict(
        cpu=cpu, cores=os.cpu_count(), mem_gib=round(int(mem) / 2**20, 1), kernel=platform.release(),
        commit=sh(["git", "rev-parse", "--short", "HEAD"]) + dirty, versions=versions, peak=peaks_raw,
        unset={v: os.environ.get(v) for v in UNSET},
    )


# ----------------------------------------------------------------------------- report


def render(rows, tgts, env, args, started, loads):
    cmd = "python3 bench/run.py" + (" --quick" if args.quick else "") + \
          (f" --cases {args.cases}" if args.cases != ",".join(ALL_CASES) else "") + \
          (f" --repeats {args.repeats}" if args.repeats != (2 if args.quick else 5) else "")
    v = env["versions"]
    peak = env["peak"]
    lines = [
        f"# kmkit core benchmark, {started}", "",
        f"Command: `{cmd}` (commit {env['commit']}).",
        f"Machine: {env['cpu']}, {env['cores']} cores, {env['mem_gib']} GiB, Linux {env['kernel']}; "
        f"load average {loads[0]} at the start, {loads[1]} at the end.",
        "f32 FMA peak measured by `kmkit-bench peak` (register-only FMA chains): "
        + ", ".join(f"{t} thread{'s' if t > 1 else ''} {p['gflops']:.0f} GFLOP/s"
                    f" ({', '.join(f'{k} {g:.0f}' for k, g in p['by_isa'].items())})" for t, p in sorted(peak.items()))
        + ".",
        f"Versions: rustc {v.get('rustc', '').split(' ')[1] if v.get('rustc') else '?'}, "
        f"linfa-clustering {v.get('linfa-clustering')}, Python {v.get('python')}, numpy {v.get('numpy')}, "
        f"scipy {v.get('scipy')}, scikit-learn {v.get('scikit-learn')}, scikit-learn-intelex "
        f"{v.get('scikit-learn-intelex')} (daal {v.get('daal')}), faiss-cpu {v.get('faiss-cpu')}, "
        f"threadpoolctl {v.get('threadpoolctl')}.",
        "Unset for every run: " + ", ".join(f"`{k}` (was {val!r})" for k, val in env["unset"].items()) + ". "
        "Threads equal on both sides: `--threads` for kmkit/linfa, OMP/OPENBLAS/MKL_NUM_THREADS + threadpoolctl "
        "for scikit-learn/oneDAL, `faiss.omp_set_num_threads` for faiss.",
        f"Medians over {args.repeats} runs per row (seed = run index, the same starting centroids for every "
        "engine in a run); engines alternate within each run. Only the library call is timed, in-process.",
        "",
    ]
    blas = {}
    for r in rows:
        for b in r.get("blas") or []:
            if b.get("user_api") == "blas":
                blas.setdefault(r["engine"].split()[0], set()).add(
                    f"{b.get('internal_api')} {b.get('version')} {b.get('architecture')} ({b.get('prefix')})")
    if blas:
        lines.append("BLAS loaded (threadpoolctl): " + "; ".join(f"{e}: {', '.join(sorted(s))}"
                                                                for e, s in sorted(blas.items())) + ".")
        lines.append("")
    by_case = {}
    for r in rows:
        by_case.setdefault(r["case"], []).append(r)
    for name, crows in by_case.items():
        case = args.case_defs[name]
        lines += [f"## {name}", "", case["title"] + ".", "",
                  "| threads | engine | algorithm | ms/iter | fit s | iters | inertia | Δ inertia vs kmkit "
                  "| GFLOP/s | % peak | anchor/kmkit | peak RSS MiB |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in crows:
            if "error" in r:
                lines.append(f"| {r['threads']} | {r['engine']} | failed: {r['error']} | | | | | | | | | |")
                continue
            eng = r["engine"] + ("" if r.get("onedal", True) else " (fell back to sklearn)")
            alg = r.get("algorithm") or ""
            if r.get("auto_picks") and r["engine"].startswith("kmkit") and "auto" not in r["engine"]:
                alg += f" (auto → {r['auto_picks']})"
            lines.append(
                f"| {r['threads']} | {eng} | {alg} | "
                f"{'' if r['ms_per_iter'] is None else format(r['ms_per_iter'], '.1f')} | {r['seconds']:.3f} | "
                f"{'' if not r['n_iter'] else format(r['n_iter'], '.0f')} | "
                f"{'' if r['inertia'] is None else format(r['inertia'], '.7g')} | "
                f"{'' if r.get('inertia_vs_ref') is None else format(100 * r['inertia_vs_ref'], '+.4f') + ' %'} | "
                f"{format(r['gflops'], '.1f') if 'gflops' in r else ''} | "
                f"{format(100 * r['peak_share'], '.0f') + ' %' if 'peak_share' in r else ''} | "
                f"{format(r['ratio'], '.2f') + '×' if r.get('ratio') else ''} | "
                f"{'' if not r.get('rss') else format(r['rss'] / 2**20, '.0f')} |")
        lines.append("")
    picks = {}
    for r in rows:
        if r.get("auto_picks") and r["engine"].startswith("kmkit"):
            picks.setdefault(r["case"], r["auto_picks"])
    if picks:
        lines += ["What kmkit's `algorithm = auto` runs per case: "
                  + ", ".join(f"{c} → {a}" for c, a in picks.items()) + ".", ""]
    lines += ["## Targets (issue 3)", "", "| case | target | measured | met |", "|---|---|---|---|"]
    for t in tgts:
        lines.append(f"| {t['case']} | {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
    lines += ["", "anchor/kmkit: the anchor's median (ms/iter for `dense`, seconds otherwise) over kmkit's "
              "reference row (first kmkit row of the case); > 1 means kmkit is faster. Δ inertia: median over "
              "seeds of (engine − kmkit)/kmkit; negative means the engine found lower inertia. GFLOP/s counts "
              "2·n·k·d per iteration. Peak RSS: of the whole process (wait4), input included.", ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and 2 repetitions: checks the machinery")
    ap.add_argument("--cases", default=",".join(ALL_CASES), help="comma-separated subset of " + ",".join(ALL_CASES))
    ap.add_argument("--repeats", type=int, help="runs per row (default 5, quick 2)")
    ap.add_argument("--threads", default="1,2", help="thread counts to run (default 1,2)")
    ap.add_argument("--no-install", action="store_true", help="use bench/.venv as it is (no pip)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before one run is killed")
    args = ap.parse_args()
    args.repeats = args.repeats or (2 if args.quick else 5)
    wanted = [c for c in args.cases.split(",") if c]
    bad = [c for c in wanted if c not in ALL_CASES]
    if bad:
        ap.error(f"unknown case(s) {bad}; choose from {ALL_CASES}")
    threads_allowed = [int(t) for t in args.threads.split(",")]
    t0 = time.monotonic()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    loads = [os.getloadavg()[0]]

    py = venv_python(not args.no_install)
    kmkit = build()
    data = HERE / "data" / ("quick" if args.quick else "full")
    log(f"preparing data in {data}")
    subprocess.run([py, str(HERE / "prepare.py"), str(data), "--sizes", "quick" if args.quick else "full",
                    "--seeds", str(args.repeats)], check=True, env=child_env(2), stdout=subprocess.DEVNULL)
    manifest = json.loads((data / "manifest.json").read_text())

    peaks_raw = {}
    for t in sorted(set(threads_allowed)):
        r = run_one([kmkit, "peak", "--threads", t, "--seconds", 0.1 if args.quick else 0.3], t, 120)
        if "error" not in r:
            peaks_raw[t] = r
    peaks = {t: r["gflops"] for t, r in peaks_raw.items()}
    log("FMA peak GFLOP/s: " + ", ".join(f"{t} thr {g:.0f}" for t, g in peaks.items()))

    avail = {"rust": True, "sklearn": have(py, "sklearn"), "sklearnex": have(py, "sklearnex"),
             "faiss": have(py, "faiss")}
    defs = cases(data, kmkit, py, args.quick, avail)
    args.case_defs = defs
    raw, rows = [], []
    for name in wanted:
        log(f"case {name}")
        run_case(name, defs[name], args.repeats, threads_allowed, args.timeout, raw)
        rows += summarise(name, defs[name], raw, peaks)
    loads.append(os.getloadavg()[0])
    env = environment(py, peaks_raw)
    tgts = targets(rows, wanted)
    table = render(rows, tgts, env, args, started, [f"{x:.1f}" for x in loads])
    elapsed = time.monotonic() - t0
    table += f"\nTotal time of the command: {elapsed / 60:.1f} min.\n"

    RESULTS.mkdir(exist_ok=True)
    stem = ("core-quick-" if args.quick else "core-") + time.strftime("%Y-%m-%d-%H%M", time.gmtime())
    md, js = RESULTS / f"{stem}.md", RESULTS / f"{stem}.json"
    md.write_text(table)
    js.write_text(json.dumps(dict(command=sys.argv, environment=env, data=manifest, peaks=peaks, targets=tgts,
                                  rows=rows, runs=raw, elapsed_seconds=elapsed), indent=1, default=str))
    print(table)
    log(f"wrote {md} and {js}")


if __name__ == "__main__":
    main()
