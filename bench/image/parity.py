"""Quality parity of kmkit-image's default palette fit with scikit-learn's
all-pixel fit, on every bundled image (china.jpg, flower.jpg, four Kodak) and
k = 8, 16, 32, 64, 128, 256.

    python3 bench/image/parity.py [--n-init N ...]

scikit-learn: KMeans(k, n_init=1, random_state=0) on all pixels / 255, palette
rounded to 8 bits (as `tests/fixtures/reference/image_quantization_china.json`).
kmkit: `quantize_bench` with default parameters (or `n_init=N` for each
`--n-init` given). Both sides read the same pixels: every image is decoded
once by Pillow and saved as PNG (as bench/image/run.py does), so JPEG
decoders cannot differ. PSNR on 0-255 over all pixels. Prints one row per
(image, k) and the margin kmkit − scikit-learn; results also in
bench/results/image_parity.md.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = HERE.parent / "results"
sys.path.insert(0, str(HERE))
from run import anchor_env, build_kmkit, run_json, venv_python  # noqa: E402

IMAGES = [ROOT / "datasets/images/sklearn/china.jpg", ROOT / "datasets/images/sklearn/flower.jpg",
          *[ROOT / f"datasets/images/kodak/kodim0{i}.png" for i in range(1, 5)]]
KS = [8, 16, 32, 64, 128, 256]

SKLEARN = r"""
import json, sys
import numpy as np
from PIL import Image
from sklearn.cluster import KMeans
pixels = np.asarray(Image.open(sys.argv[1]).convert("RGB"), dtype=np.float64).reshape(-1, 3) / 255
out = {}
for k in map(int, sys.argv[2].split(",")):
    km = KMeans(n_clusters=k, n_init=1, random_state=0).fit(pixels)
    q = np.round(km.cluster_centers_ * 255)[km.labels_]
    out[k] = 10 * np.log10(255**2 / np.mean((q - pixels * 255) ** 2))
print(json.dumps(out))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-init", type=int, action="append", default=None,
                    help="kmkit n_init settings to compare (default: the library default)")
    args = ap.parse_args()
    py = venv_python()
    kmkit = build_kmkit()
    settings = [None] if not args.n_init else args.n_init
    names = ["default" if s is None else f"n_init={s}" for s in settings]
    header = "| image | k | scikit-learn (dB) | " + " | ".join(f"kmkit {n} (dB) | margin" for n in names) + " |"
    lines = ["# kmkit-image vs scikit-learn all-pixel fit (PSNR, dB)", "", header,
             "|---|---:|---:|" + "---:|---:|" * len(names)]
    below = {n: [] for n in names}
    tmp = Path(tempfile.mkdtemp(prefix="kmkit-image-parity-"))
    for src in IMAGES:
        image = tmp / (src.stem + ".png")
        subprocess.run([py, "-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2])",
                        str(src), str(image)], check=True)
        sk = run_json([py, "-c", SKLEARN, str(image), ",".join(map(str, KS))], env=anchor_env())
        for k in KS:
            ref = sk[str(k)]
            cells = []
            for name, s in zip(names, settings):
                extra = [] if s is None else [f"n_init={s}"]
                j = run_json([kmkit, str(image), str(k), "1", "/dev/null", *extra])
                margin = j["psnr_db"] - ref
                if margin < 0:
                    below[name].append(f"{image.stem} k={k} ({margin:+.4f})")
                cells.append(f"{j['psnr_db']:.4f} | {margin:+.4f}")
            lines.append(f"| {image.stem} | {k} | {ref:.4f} | " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
    lines.append("")
    for name in names:
        lines.append(f"kmkit {name}: below scikit-learn on {len(below[name])} of {len(IMAGES) * len(KS)}: "
                     + (", ".join(below[name]) or "none") + ".")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "image_parity.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
