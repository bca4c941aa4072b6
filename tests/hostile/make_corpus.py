"""Writes the hostile corpus (tests/hostile/files/). Run once; the files are
committed, so tests never run this. Deterministic: no randomness without a seed.

    python3 tests/hostile/make_corpus.py
"""
import gzip
import json
import random
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "files"
OUT.mkdir(exist_ok=True)
rng = random.Random(10)


def put(name, data):
    if isinstance(data, str):
        data = data.encode()
    (OUT / name).write_bytes(data)


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_header_only(width, height, idat=True):
    """A PNG whose IHDR claims width × height, with a token IDAT (so decoders
    get past the header) or none."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    data = png_chunk(b"IDAT", zlib.compress(b"\0")) if idat else b""
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + data + png_chunk(b"IEND", b"")


def wav(channels=1, rate=8000, bits=16, fmt=1, data=b"", data_len=None, riff=b"RIFF", wave=b"WAVE"):
    block = channels * bits // 8
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
    data_len = len(data) if data_len is None else data_len
    body = wave + b"fmt " + struct.pack("<I", 16) + fmt_chunk + b"data" + struct.pack("<I", data_len) + data
    return riff + struct.pack("<I", len(body)) + body


garbage = bytes(rng.randrange(256) for _ in range(777))

# Tables (kmkit fit, and the table-like readers of the other apps).
put("empty.csv", b"")
put("whitespace.csv", " \n\n\t \r\n")
put("garbage.csv", garbage)
put("huge_numbers.csv", "a,b\n1,2\n1e400,3\n4,5\n")
put("nan_strings.csv", "a,b\nNaN,nan\ninf,-Infinity\nNA,NULL\n")
put("header_only.csv", "sepal_length,sepal_width,petal_length\n")
put("ragged_rows.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n")
put("semicolon_decimal_comma.csv", "a;b;c\n1,5;2,25;3,0\n4,0;5,5;6,75\n7,25;8,0;9,5\n")
iris_lines = (ROOT / "datasets/tabular/sklearn_bundled/iris.csv").read_text().splitlines()[1:41]
iris_text = "sepal_length,sepal_width,petal_length,petal_width,species\n" + "\n".join(iris_lines) + "\n"
put("utf16le.csv", b"\xff\xfe" + iris_text.encode("utf-16-le"))
put("utf16be_nobom.csv", iris_text.encode("utf-16-be"))
put("bom_utf8.csv", b"\xef\xbb\xbf" + iris_text.encode())
put("only_text.csv", "name,city\nann,oslo\nbob,rome\ncid,lima\n")
put("one_row.csv", "a,b\n1,2\n")
put("gzip_truncated.csv.gz", gzip.compress(iris_text.encode())[:60])
put("not_gzip.csv.gz", iris_text)

# Binary matrices.
npy_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 10), }"
npy_header += " " * (63 - (10 + len(npy_header)) % 64) + "\n"
put("npy_claims_1e9_rows.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(npy_header)) + npy_header.encode() + b"\0" * 64)
small = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }"
small += " " * (63 - (10 + len(small)) % 64) + "\n"
put("npy_truncated.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(small)) + small.encode() + b"\0" * 24)
put("npy_garbage_header.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 54) + garbage[:54])
# The fuzzer's find: a version-3 preamble whose u32 header length is ~4 GB.
put("npy_header_length_4gb.npy", b"\x93NUMPY\x03\x00" + struct.pack("<I", 0xFF7B0076) + b"{'descr': '<f4'}")
put("fbin_claims_1e9_rows.fbin", struct.pack("<II", 1_000_000_000, 10) + b"\0" * 40)
put("fvecs_negative_dim.fvecs", struct.pack("<i", -5) + b"\0" * 20)

# Model files (every app's predict --model). Variants of a valid `kmkit fit
# iris -k 3` model (tests/hostile/iris_model.json), so each breaks one thing.
base = json.loads((Path(__file__).resolve().parent / "iris_model.json").read_text())
deep = "[" * 100_000 + "]" * 100_000


def model_variant(name, edit):
    m = json.loads(json.dumps(base))
    edit(m)
    put(name, json.dumps(m))


put("model_deep_nesting.json", '{"format_version": 1, "kind": "table", "preprocess": '
    + json.dumps(base["preprocess"]) + ', "model": ' + deep + "}")
put("model_deep_unknown_key.json", '{"x": ' + deep + ', "format_version": 1, "kind": "table"}')
put("model_deep_top_level.json", deep)
put("model_garbage.json", garbage)
put("model_empty.json", b"")
put("model_wrong_kind.json", json.dumps({"format_version": 1, "kind": "not-a-model"}))
put("model_future_version.json", json.dumps({**base, "format_version": 99}))
put("model_truncated.json", json.dumps(base)[:200])
put("model_huge_number.json", json.dumps(base).replace('"inertia": ', '"inertia": 1e400, "x": ', 1))
model_variant("model_f32_overflow.json", lambda m: m["model"]["centroids"]["data"].__setitem__(0, 1e39))
model_variant("model_centroids_short.json", lambda m: m["model"]["centroids"]["data"].pop())
model_variant("model_zero_clusters.json", lambda m: m["model"]["centroids"].update({"dim": [0, 4], "data": []}))
model_variant("model_wrong_width.json", lambda m: m["model"]["centroids"].update({"dim": [3, 2], "data": [0.0] * 6}))
model_variant("model_bad_scale.json", lambda m: m["preprocess"]["inputs"][0].update({"scale": 0.0}))

# Images.
china = (ROOT / "datasets/images/sklearn/china.jpg").read_bytes()
kodim = (ROOT / "datasets/images/kodak/kodim03.png").read_bytes()
put("empty.png", b"")
put("garbage.png", garbage)
put("truncated.png", kodim[:3000])
put("truncated.jpg", china[:3000])
put("png_0x0.png", png_header_only(0, 0))
put("png_65535x65535.png", png_header_only(65535, 65535))
put("png_header_without_data.png", png_header_only(640, 480, idat=False))
put("csv_named.png", iris_text)

# WAV.
put("empty.wav", b"")
put("garbage.wav", garbage)
put("wav_not_wave.wav", wav(wave=b"AVI ", data=b"\0\0" * 800))
put("wav_zero_channels.wav", wav(channels=0, data=b"\0\0" * 800))
put("wav_zero_rate.wav", wav(rate=0, data=b"\0\0" * 800))
put("wav_claims_4gb.wav", wav(data=b"\x01\x00" * 800, data_len=0xFFFFFFF0))
put("wav_truncated_header.wav", wav(data=b"\0\0" * 10)[:30])
put("wav_alaw.wav", wav(fmt=6, bits=8, data=b"\x55" * 1600))

# Documents.
put("empty.txt", b"")
put("garbage.txt", garbage)
put("utf16le.txt", b"\xff\xfe" + "how do I sort a list in python\nwhy is my java loop slow\n".encode("utf-16-le") * 20)
put("deep_nesting.jsonl", '{"text": ' + "[" * 5000 + "]" * 5000 + "}\n")

# Transactions (rfm-segments).
put("rfm_header_only.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n")
put("rfm_bad_dates.csv", "CustomerID,InvoiceDate,Amount\nc1,yesterday,10\nc2,not a date,20\nc3,31/31/2010,5\n")
put("rfm_huge_amounts.csv", "CustomerID,InvoiceDate,Amount\nc1,2010-12-01,1e400\nc2,2010-12-02,1e400\nc3,2010-12-03,-1e400\n")
put("rfm_nan_amounts.csv", "CustomerID,InvoiceDate,Amount\nc1,2010-12-01,NaN\nc2,2010-12-02,nan\nc3,2010-12-03,inf\n")

# Expression matrices (gene-clusters).
put("genes_header_only.csv", "gene,s1,s2,s3\n")
put("genes_nan.csv", "gene,s1,s2,s3\ng1,NaN,NaN,NaN\ng2,NaN,NaN,NaN\n")
put("genes_huge_numbers.csv", "gene,s1,s2,s3\ng1,1e400,2,3\ng2,4,5,6\ng3,7,8,9\n")
put("genes_ragged.csv", "gene,s1,s2,s3\ng1,1,2,3\ng2,4,5\ng3,6,7,8\n")
put("geo_no_table.txt", '!Series_title\t"x"\n!Sample_title\t"a"\t"b"\n')

# Memory budget of the domain readers (run with a small KMKIT_MAX_MEMORY):
# gzip bombs, small files that inflate to 2 MiB, and an 8-bit WAV whose
# decoded f32 samples are 4× its size. mtime=0 keeps the bytes reproducible.
put("rfm_bomb.csv.gz", gzip.compress(("CustomerID,InvoiceDate,Amount\n" + "c1,2010-12-01,10\n" * 130_000).encode(), 9, mtime=0))
put("genes_bomb.csv.gz", gzip.compress(("gene,s1,s2,s3\n" + "g,1,2,3\n" * 260_000).encode(), 9, mtime=0))
put("docs_bomb.txt.gz", gzip.compress(b"how do I sort a list in python\n" * 70_000, 9, mtime=0))
put("wav_8bit_20k.wav", wav(bits=8, data=bytes(128 + (i % 64) - 32 for i in range(20_000))))
