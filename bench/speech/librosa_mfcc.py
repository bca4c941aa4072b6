"""MFCCs of every WAV file under the given folders with librosa, the anchor of
bench/speech/run.py. Same parameters as kmkit-speech's mfcc_files example:
librosa.feature.mfcc(y, sr, n_mfcc=13, n_fft=256, hop_length=80, win_length=200, n_mels=40),
every file loaded with librosa.load(path, sr=None). Prints files, frames and
the sum of all coefficients (a checksum to compare with kmkit's)."""
import pathlib
import sys

import librosa
import numpy as np


def main():
    paths = sorted(p for d in sys.argv[1:] for p in pathlib.Path(d).rglob("*") if p.suffix.lower() == ".wav")
    n_frames, total = 0, 0.0
    for p in paths:
        y, sr = librosa.load(p, sr=None)
        m = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, n_fft=256, hop_length=80, win_length=200, n_mels=40)
        n_frames += m.shape[1]
        total += float(np.sum(m, dtype=np.float64))
    print(f"files {len(paths)} frames {n_frames} sum {total:.1f}")


if __name__ == "__main__":
    main()
