"""Image quantization benchmark: kmkit-image vs scikit-learn's colour-quantization
example and pngquant, on china.jpg (k = 64) and the four Kodak images.

    python3 bench/image/run.py              # 5 runs each (medians)
    python3 bench/image/run.py --repeats 7

What is timed (decode and file writing excluded on every side; on china each
process runs the job 3 times, and the table gives the warm runs 2-3 while the
cold first runs are reported below it):
  kmkit             quantize(): histogram of unique colours -> palette fit on all
                    pixels (exact, weighted) -> remap every pixel. Default params
                    (1 variance-partition start + 4 k-means|| runs), and the fast
                    setting n_init=0 (the variance-partition start only).
  sklearn sample    the example's recipe: shuffle 1,000 pixels (random_state=0),
                    KMeans(64, random_state=0).fit(sample), predict(all pixels).
  sklearn all       KMeans(64, n_init=1, random_state=0).fit(all pixels).
  pngquant          `pngquant 64` (default: dithered) and `pngquant --nofs 64`,
                    whole process time on a PNG of the same pixels.
Quality (PSNR on 0-255, all pixels) and PNG size are measured in Python with
Pillow against the same decoded original for every tool.

pngquant comes from the system package manager (apt-get install pngquant); it is
only a benchmark anchor, never a dependency. The Python anchors go into
bench/.venv (numpy, scikit-learn, pillow), shared with bench/run.py.
Results: bench/results/image.md and image.json.
"""
import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = HERE.parent / ".venv"
RESULTS = HERE.parent / "results"
PIP = ["numpy", "scikit-learn", "pillow"]
CHINA = ROOT / "datasets/images/sklearn/china.jpg"
KODAK = [ROOT / f"datasets/images/kodak/kodim0{i}.png" for i in range(1, 5)]
K = 64
IN_PROCESS = 3


def venv_python():
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *PIP], check=True)
    return str(py)


def anchor_env():
    # As bench/run.py: OpenBLAS overrides set for old builds slow a current numpy.
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


SKLEARN = r"""
import json, sys, time
import numpy as np
from PIL import Image
from sklearn.cluster import KMeans
from sklearn.utils import shuffle
from threadpoolctl import threadpool_info
path, k, repeats, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
img = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255
pixels = img.reshape(-1, 3)
times, psnr = [], None
for _ in range(repeats):
    t = time.perf_counter()
    if mode == "sample":
        sample = shuffle(pixels, random_state=0, n_samples=1000)
        km = KMeans(n_clusters=k, random_state=0).fit(sample)
        labels = km.predict(pixels)
    else:
        km = KMeans(n_clusters=k, n_init=1, random_state=0).fit(pixels)
        labels = km.labels_
    times.append(time.perf_counter() - t)
palette = np.round(km.cluster_centers_ * 255) if mode == "all" else km.cluster_centers_ * 255
out = palette[labels]
mse = np.mean((pixels * 255 - out) ** 2)
print(json.dumps({"times_s": times, "psnr_db": 10 * np.log10(255**2 / mse),
                  "blas": [i.get("internal_api") for i in threadpool_info()]}))
"""

MEASURE = r"""
import json, sys
import numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1]).convert("RGB"), dtype=np.float64)
b = np.asarray(Image.open(sys.argv[2]).convert("RGB"), dtype=np.float64)
mse = np.mean((a - b) ** 2)
print(json.dumps({"psnr_db": float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)}))
"""


def run_json(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def build_kmkit():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "kmkit-image", "--example", "quantize_bench"],
                   cwd=ROOT, check=True)
    return str(ROOT / "target/release/examples/quantize_bench")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    load0 = os.getloadavg()
    py = venv_python()
    subprocess.run([py, "-m", "pip", "install", "-q", "threadpoolctl"], check=True)
    kmkit = build_kmkit()
    pngquant = shutil.which("pngquant")
    tmp = Path(tempfile.mkdtemp(prefix="kmkit-image-bench-"))

    # One decoded original per image, as PNG, shared by every tool.
    originals = {}
    for src in [CHINA, *KODAK]:
        png = tmp / (src.stem + ".png")
        subprocess.run([py, "-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2])",
                        str(src), str(png)], check=True)
        originals[src.stem] = png

    def psnr(original, candidate):
        return run_json([py, "-c", MEASURE, str(original), str(candidate)])["psnr_db"]

    rows = []
    # Timing on china: kmkit (default, fast) and scikit-learn, alternating rounds.
    china = originals["china"]
    kmkit_runs = {"default": [], "n_init=0": []}
    sk_runs = {"sample": [], "all": []}
    sk_psnr = {}
    km_out = {}
    # Each process runs the job IN_PROCESS times: the first run is cold on
    # both sides (kmkit's first quantize after the decode, scikit-learn's
    # first fit after its imports; both slower), the later ones warm. Both are
    # kept; the table's time is the warm one, the cold one is reported too.
    first = {"kmkit default": [], "kmkit n_init=0": [], "sklearn sample": [], "sklearn all": []}
    for r in range(args.repeats):
        for name, extra in [("default", []), ("n_init=0", ["n_init=0"])]:
            out = tmp / f"china_kmkit_{name}.png"
            j = run_json([kmkit, str(china), str(K), str(IN_PROCESS), str(out), *extra])
            runs = [t / 1e3 for t in j["quantize_ms_all"]]
            kmkit_runs[name].append(statistics.median(runs[1:]))
            first[f"kmkit {name}"].append(runs[0])
            km_out[name] = (out, j)
        for mode in ["sample", "all"]:
            j = run_json([py, "-c", SKLEARN, str(CHINA), str(K), str(IN_PROCESS), mode], env=anchor_env())
            sk_runs[mode].append(statistics.median(j["times_s"][1:]))
            first[f"sklearn {mode}"].append(j["times_s"][0])
            sk_psnr[mode] = j["psnr_db"]
            blas = j["blas"]
        print(f"round {r + 1}/{args.repeats} done", file=sys.stderr)
    med = {f"kmkit {n}": statistics.median(v) for n, v in kmkit_runs.items()}
    med.update({f"sklearn {n}": statistics.median(v) for n, v in sk_runs.items()})
    china_bytes = CHINA.stat().st_size
    for name in ["default", "n_init=0"]:
        out, j = km_out[name]
        rows.append(("china", f"kmkit ({name})", med[f"kmkit {name}"], psnr(china, out), out.stat().st_size, j["unique_colors"]))
    rows.append(("china", "scikit-learn 1,000-pixel sample", med["sklearn sample"], sk_psnr["sample"], None, None))
    rows.append(("china", "scikit-learn all pixels (n_init=1)", med["sklearn all"], sk_psnr["all"], None, None))

    # pngquant and kmkit on size and PSNR: china and the Kodak images.
    for stem, original in originals.items():
        if pngquant:
            for label, flags in [("pngquant 64", []), ("pngquant --nofs 64", ["--nofs"])]:
                out = tmp / f"{stem}_pq{'_nofs' if flags else ''}.png"
                times = []
                for _ in range(args.repeats):
                    t = time.perf_counter()
                    subprocess.run([pngquant, *flags, "--force", "--output", str(out), str(K), str(original)], check=True)
                    times.append(time.perf_counter() - t)
                rows.append((stem, label, statistics.median(times), psnr(original, out), out.stat().st_size, None))
        if stem != "china":
            out = tmp / f"{stem}_kmkit.png"
            j = run_json([kmkit, str(original), str(K), str(args.repeats), str(out)])
            rows.append((stem, "kmkit (default)", j["quantize_ms_median"] / 1e3, psnr(original, out), out.stat().st_size,
                         j["unique_colors"]))
            fs_out = tmp / f"{stem}_kmkit_fs.png"
            j = run_json([kmkit, str(original), str(K), str(args.repeats), str(fs_out), "dither"])
            rows.append((stem, "kmkit (default, dithered)", j["quantize_ms_median"] / 1e3, psnr(original, fs_out),
                         fs_out.stat().st_size, j["unique_colors"]))

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "image.json").write_text(json.dumps({"rows": rows, "medians_s": med, "runs_s": {**kmkit_runs, **sk_runs},
                                                    "first_runs_s": first}, indent=1))
    original_sizes = {"china": china_bytes, **{p.stem: p.stat().st_size for p in KODAK}}
    lines = [
        f"# Image quantization, k = {K} (medians of {args.repeats} runs)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; load average at start {load0}. "
        f"scikit-learn BLAS: {blas}.",
        "",
        "| image | method | time (s) | PSNR (dB) | PNG bytes | % of original file | unique colours |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for stem, method, t, p, size, uniq in rows:
        pct = f"{100 * size / original_sizes[stem]:.1f}" if size else ""
        lines.append(f"| {stem} | {method} | {t:.3f} | {p:.2f} | {size or ''} | {pct} | {uniq or ''} |")
    lines += [
        "",
        f"china.jpg, k = {K}: kmkit default is {med['sklearn sample'] / med['kmkit default']:.2f}× the speed of the "
        f"scikit-learn 1,000-pixel recipe and {med['sklearn all'] / med['kmkit default']:.1f}× that of scikit-learn on all pixels; "
        f"kmkit n_init=0: {med['sklearn sample'] / med['kmkit n_init=0']:.2f}× and {med['sklearn all'] / med['kmkit n_init=0']:.1f}×.",
        f"China times are medians of warm runs (runs 2-{IN_PROCESS} of each process, {args.repeats} processes per side). "
        "Cold first runs (medians): " + ", ".join(f"{n} {statistics.median(v):.3f} s" for n, v in first.items())
        + f"; cold ratios: default {statistics.median(first['sklearn sample']) / statistics.median(first['kmkit default']):.2f}× the recipe, "
        f"{statistics.median(first['sklearn all']) / statistics.median(first['kmkit default']):.1f}× scikit-learn all pixels.",
        f"Load average at the end: {os.getloadavg()}.",
        "Times exclude decoding and file writing; pngquant times are whole processes (decode + quantize + encode).",
    ]
    text = "\n".join(lines) + "\n"
    (RESULTS / "image.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
