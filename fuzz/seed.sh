#!/usr/bin/env bash
# Builds the seed corpora in fuzz/corpus/<target>/ from small slices of
# datasets/ (the corpora themselves are not committed: they grow while
# fuzzing). Needs python3 with numpy and Pillow (e.g. /work/venv/bin/python:
# PYTHON=/work/venv/bin/python fuzz/seed.sh). Safe to rerun.
# No pipefail: `zcat | head` ends zcat with SIGPIPE on purpose.
set -eu
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
D=../datasets
C=corpus
mkdir -p $C/{table,transactions,genes,wav,image,text,model}

# table: CSV/TSV heads, plus iris as .npy (f32, f64, Fortran), .fvecs, .fbin.
head -c 3000 $D/tabular/sklearn_bundled/iris.csv > $C/table/iris.csv
head -c 3000 $D/tabular/sklearn_bundled/wine_data.csv > $C/table/wine.csv
head -c 3000 $D/tabular/sklearn_bundled/breast_cancer.csv > $C/table/breast_cancer.csv
head -c 2000 $D/tabular/seeds/seeds_dataset.txt > $C/table/seeds.tsv
zcat $D/tabular/occupancy_detection/datatest.txt.gz | head -c 2000 > $C/table/occupancy.csv
zcat $D/tabular/kddcup99_10pct/kddcup.data_10_percent.gz | head -c 3000 > $C/table/kdd.csv
zcat $D/tabular/online_retail/interactions_2010-12.csv.gz | head -c 2000 > $C/table/interactions.csv
$PY - "$D" "$C/table" <<'PY'
import sys, numpy as np, struct
d, out = sys.argv[1], sys.argv[2]
x = np.loadtxt(f"{d}/tabular/sklearn_bundled/iris.csv", delimiter=",", skiprows=1, usecols=range(4))[:12]
np.save(f"{out}/iris_f64.npy", x)
np.save(f"{out}/iris_f32.npy", x.astype(np.float32))
np.save(f"{out}/iris_fortran.npy", np.asfortranarray(x))
np.save(f"{out}/iris_col.npy", x[:, 0].astype(np.float32))
x32 = x.astype("<f4")
with open(f"{out}/iris.fvecs", "wb") as f:
    for r in x32:
        f.write(struct.pack("<i", len(r)) + r.tobytes())
with open(f"{out}/iris.fbin", "wb") as f:
    f.write(struct.pack("<II", *x32.shape) + x32.tobytes())
PY

# transactions: the first lines of each bundled layout, one gzipped.
head -n 30 $D/customers/CDNOW_sample.txt > $C/transactions/cdnow_sample.txt
zcat $D/customers/CDNOW_master.txt.gz | head -n 30 > $C/transactions/cdnow_master.txt
zcat $D/customers/online_retail_2010-12_lines.csv.gz | head -n 30 > $C/transactions/retail_lines.csv
zcat $D/customers/online_retail_invoices.csv.gz | head -n 30 > $C/transactions/retail_invoices.csv
gzip -c $C/transactions/retail_lines.csv > $C/transactions/retail_lines.csv.gz

# genes: a corner of each expression table, labels, and a GEO series matrix
# built from the Golub corner (no GEO file is bundled).
zcat $D/genes/Khan_xtrain.csv.gz | head -n 8 | cut -d, -f1-10 > $C/genes/khan.csv
zcat $D/genes/data_set_ALL_AML_train.csv.gz | head -n 10 | cut -d, -f1-10 > $C/genes/golub.csv
cp $D/genes/actual.csv $C/genes/actual.csv
cp $D/genes/Khan_ytrain.csv $C/genes/khan_y.csv
gzip -c $C/genes/khan.csv > $C/genes/khan.csv.gz
{
  printf '!Series_title\t"fuzz seed"\n'
  printf '!Sample_title\t"s1"\t"s2"\t"s3"\n'
  printf '!Sample_geo_accession\t"GSM1"\t"GSM2"\t"GSM3"\n'
  printf '!Sample_characteristics_ch1\t"disease: ALL"\t"disease: AML"\t"disease: ALL"\n'
  printf '!series_matrix_table_begin\n'
  printf '"ID_REF"\t"GSM1"\t"GSM2"\t"GSM3"\n'
  printf '"g1"\t1.5\t2.5\t3.5\n"g2"\t-1\t0.25\tnull\n"g3"\t7\t8\t9\n'
  printf '!series_matrix_table_end\n'
} > $C/genes/series_matrix.txt

# wav: a few spoken digits (8 kHz, 16-bit) and the same audio re-encoded
# (8/24/32-bit int, 32-bit float, stereo) by the script below.
for f in 0_george_27 4_lucas_2 9_jackson_24; do
  cp $D/speech/fsdd/recordings/$f.wav $C/wav/$f.wav
done
$PY - "$C/wav" <<'PY'
import sys, wave, numpy as np
out = sys.argv[1]
with wave.open(f"{out}/0_george_27.wav") as w:
    rate = w.getframerate()
    x = np.frombuffer(w.readframes(w.getnframes()), "<i2")[:2000]
def write(name, data, width, fmt=1, channels=1):
    data = np.ascontiguousarray(data)
    body = data.tobytes()
    block = width * channels
    hdr = b"fmt " + (16).to_bytes(4, "little") + fmt.to_bytes(2, "little") + channels.to_bytes(2, "little")
    hdr += rate.to_bytes(4, "little") + (rate * block).to_bytes(4, "little") + block.to_bytes(2, "little") + (8 * width).to_bytes(2, "little")
    riff = b"WAVE" + hdr + b"data" + len(body).to_bytes(4, "little") + body
    open(f"{out}/{name}.wav", "wb").write(b"RIFF" + len(riff).to_bytes(4, "little") + riff)
write("u8", ((x >> 8) + 128).astype("u1"), 1)
write("i24", b"".join((int(v) * 256).to_bytes(3, "little", signed=True) for v in x), 3)
write("i32", x.astype("<i4") << 16, 4)
write("f32", (x / 32768).astype("<f4"), 4, fmt=3)
write("stereo", np.stack([x, x // 2], axis=1).astype("<i2"), 2, channels=2)
PY

# image: 24×24 crops in every decoded format, RGBA and 16-bit PNGs.
$PY - "$D" "$C/image" <<'PY'
import sys
from PIL import Image
d, out = sys.argv[1], sys.argv[2]
im = Image.open(f"{d}/images/kodak/kodim03.png").convert("RGB").crop((200, 200, 224, 224))
for ext in ["png", "jpg", "gif", "bmp", "tiff", "webp"]:
    im.save(f"{out}/crop.{ext}")
im.convert("RGBA").save(f"{out}/crop_rgba.png")
im.convert("L").save(f"{out}/crop_gray.png")
im.convert("I;16").save(f"{out}/crop_16.png")
Image.open(f"{d}/images/sklearn/china.jpg").convert("RGB").crop((0, 0, 16, 16)).save(f"{out}/china.jpg", quality=50)
PY

# text: titles as lines, as CSV with a label, as JSON lines.
zcat $D/documents/stackoverflow_titles/title_StackOverflow.txt.gz | head -n 20 > $C/text/titles.txt
$PY - "$C/text" <<'PY'
import sys, csv, json
out = sys.argv[1]
lines = open(f"{out}/titles.txt", encoding="utf-8").read().splitlines()
with open(f"{out}/titles.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["text", "label"])
    for i, l in enumerate(lines):
        w.writerow([l, str(i % 3)])
with open(f"{out}/titles.jsonl", "w", encoding="utf-8") as f:
    for i, l in enumerate(lines):
        f.write(json.dumps({"text": l, "label": i % 3}) + "\n")
PY

# model: the committed model.json files of each app (seeds/model), and their
# parts, which the core and domain loaders read on their own.
cp seeds/model/*.json $C/model/
$PY - "$C/model" <<'PY'
import sys, json, glob, os
out = sys.argv[1]
for p in glob.glob(f"{out}/*.json"):
    if "__" in p:
        continue
    doc = json.load(open(p))
    base = os.path.basename(p)[:-5]
    for key, value in doc.items():
        if isinstance(value, dict):
            json.dump(value, open(f"{out}/{base}__{key}.json", "w"))
PY
du -sh $C
