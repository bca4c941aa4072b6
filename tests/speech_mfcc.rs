//! kmkit-speech against librosa 0.11: MFCC frames and values on three FSDD
//! clips for librosa's defaults and a 13-coefficient speech setting, the mel
//! filter bank, and how WAV files of every kind (and broken ones) are read.

use std::path::{Path, PathBuf};

use kmkit_speech::{
    mel_filterbank, read_wav, Length, MelNorm, MelScale, Mfcc, MfccSettings, SpeechError,
};
use kmkit_tests::data::{reference, repo_root};
use serde_json::Value;

fn fsdd(name: &str) -> PathBuf {
    repo_root()
        .join("datasets/speech/fsdd/recordings")
        .join(name)
}

/// The fixture's `speech` setting: `librosa.feature.mfcc(n_mfcc=13, n_fft=256,
/// hop_length=80, win_length=200, n_mels=40)`, everything else at librosa's defaults.
fn fixture_speech_setting() -> MfccSettings {
    MfccSettings {
        n_mfcc: 13,
        n_fft: Some(256),
        hop_length: Length::Samples(80),
        win_length: Some(Length::Samples(200)),
        n_mels: 40,
        ..MfccSettings::librosa()
    }
}

/// Compares kmkit's frames (rows) with librosa's `[n_mfcc][n_frames]` array;
/// returns the largest absolute difference.
fn check(clip: &str, setting: &str, settings: MfccSettings, expected: &Value) -> f32 {
    let audio = read_wav(&fsdd(clip)).unwrap();
    let ours = Mfcc::new(settings).unwrap().compute(&audio, clip).unwrap();
    let shape: Vec<usize> = expected["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(
        (ours.ncols(), ours.nrows()),
        (shape[0], shape[1]),
        "{clip} {setting}: (n_mfcc, n_frames)"
    );
    let mut worst = 0f32;
    for (i, coeff) in expected["mfcc"].as_array().unwrap().iter().enumerate() {
        for (t, v) in coeff.as_array().unwrap().iter().enumerate() {
            let diff = (ours[[t, i]] - v.as_f64().unwrap() as f32).abs();
            assert!(
                diff <= 0.05,
                "{clip} {setting}: coefficient {i}, frame {t}: kmkit {} librosa {v}",
                ours[[t, i]]
            );
            worst = worst.max(diff);
        }
    }
    worst
}

#[test]
fn mfcc_equals_librosa_for_defaults_and_speech_setting() {
    let refs = reference("mfcc_fsdd_librosa.json");
    let clips = refs["clips"].as_object().unwrap();
    assert_eq!(clips.len(), 3);
    for (clip, r) in clips {
        let audio = read_wav(&fsdd(clip)).unwrap();
        assert_eq!(
            audio.samples.len() as u64,
            r["n_samples"].as_u64().unwrap(),
            "{clip}"
        );
        assert_eq!(
            audio.sample_rate as u64,
            r["sr"].as_u64().unwrap(),
            "{clip}"
        );
        let d = check(clip, "defaults", MfccSettings::librosa(), &r["defaults"]);
        let s = check(clip, "speech", fixture_speech_setting(), &r["speech"]);
        eprintln!("{clip}: max |kmkit - librosa| defaults {d:.2e} dB, speech {s:.2e} dB");
    }
}

#[test]
fn mel_filterbank_rows_equal_librosa() {
    let refs = reference("mfcc_fsdd_librosa.json");
    let r = &refs["mel_filterbank_sr8000_nfft256_nmels40"];
    let bank = mel_filterbank(
        8000,
        256,
        40,
        0.0,
        4000.0,
        MelScale::Slaney,
        MelNorm::Slaney,
    );
    let shape: Vec<u64> = r["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(
        [bank.nrows() as u64, bank.ncols() as u64],
        [shape[0], shape[1]]
    );
    let close = |a: f32, b: &Value, what: String| {
        let b = b.as_f64().unwrap() as f32;
        // The fixture holds values rounded to 7 decimals.
        assert!(
            (a - b).abs() <= 1e-7 + 1e-5 * b.abs(),
            "{what}: kmkit {a} librosa {b}"
        );
    };
    for (row, key) in [(0, "row0"), (39, "row39")] {
        for (k, v) in r[key].as_array().unwrap().iter().enumerate() {
            close(bank[[row, k]], v, format!("mel row {row} bin {k}"));
        }
    }
    for (m, v) in r["row_sums"].as_array().unwrap().iter().enumerate() {
        close(bank.row(m).sum(), v, format!("sum of mel row {m}"));
    }
    // The same bank is what the transform uses.
    assert_eq!(
        Mfcc::new(fixture_speech_setting())
            .unwrap()
            .mel_filterbank(8000)
            .unwrap(),
        bank
    );
}

/// Writes a WAV with `hound` into a temporary folder and returns its path.
fn write_wav(dir: &Path, name: &str, spec: hound::WavSpec, samples: &[f64]) -> PathBuf {
    let path = dir.join(name);
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for &s in samples {
        match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Float, _) => w.write_sample(s as f32).unwrap(),
            (_, 8) => w
                .write_sample((s * 128.0).round().clamp(-128.0, 127.0) as i8)
                .unwrap(),
            (_, 16) => w
                .write_sample((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
                .unwrap(),
            (_, bits) => {
                let scale = (1i64 << (bits - 1)) as f64;
                w.write_sample((s * scale).round().clamp(-scale, scale - 1.0) as i32)
                    .unwrap()
            }
        }
    }
    w.finalize().unwrap();
    path
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kmkit-speech-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_pcm_width_and_float_reads_as_soundfile_scales_it() {
    let dir = temp_dir("formats");
    // Exactly representable in every width: multiples of 1/64.
    let mono: Vec<f64> = vec![0.0, 0.5, -0.5, 0.25, -1.0, 63.0 / 64.0];
    let int = hound::SampleFormat::Int;
    for (bits, format) in [
        (8, int),
        (16, int),
        (24, int),
        (32, int),
        (32, hound::SampleFormat::Float),
    ] {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 11025,
            bits_per_sample: bits,
            sample_format: format,
        };
        let audio = read_wav(&write_wav(
            &dir,
            &format!("m{bits}{format:?}.wav"),
            spec,
            &mono,
        ))
        .unwrap();
        assert_eq!(audio.sample_rate, 11025);
        let got: Vec<f64> = audio.samples.iter().map(|&v| v as f64).collect();
        assert_eq!(got, mono, "{bits}-bit {format:?}");
    }
    // int16 / 32768 exactly, as librosa.load.
    let spec16 = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: int,
    };
    let a = read_wav(&write_wav(
        &dir,
        "one_lsb.wav",
        spec16,
        &[1.0 / 32768.0, -1.0],
    ))
    .unwrap();
    assert_eq!(a.samples, vec![1.0 / 32768.0, -1.0]);
    // Stereo is averaged to mono.
    let stereo = hound::WavSpec {
        channels: 2,
        ..spec16
    };
    let a = read_wav(&write_wav(
        &dir,
        "stereo.wav",
        stereo,
        &[0.5, 0.0, -0.25, -0.75],
    ))
    .unwrap();
    assert_eq!(a.samples, vec![0.25, -0.5]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn broken_empty_and_odd_files_give_clear_errors_or_finite_features() {
    let dir = temp_dir("broken");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let good = write_wav(&dir, "good.wav", spec, &vec![0.1; 4000]);
    let bytes = std::fs::read(&good).unwrap();

    let truncated = dir.join("truncated.wav");
    std::fs::write(&truncated, &bytes[..bytes.len() - 1001]).unwrap();
    let not_wav = dir.join("notes.wav");
    std::fs::write(&not_wav, b"this is not audio at all").unwrap();
    let header_only = dir.join("header_only.wav");
    std::fs::write(&header_only, &bytes[..20]).unwrap();
    for path in [&truncated, &not_wav, &header_only] {
        let err = read_wav(path).unwrap_err();
        assert!(
            matches!(err, SpeechError::BadWav { .. }),
            "{}: {err:?}",
            path.display()
        );
        assert!(
            err.to_string()
                .contains(path.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }
    let missing = read_wav(&dir.join("missing.wav")).unwrap_err();
    assert!(
        matches!(missing, SpeechError::Io { .. }) && missing.to_string().contains("missing.wav"),
        "{missing}"
    );

    // A 64-bit float file (format tag 3, 64 bits) is not one of the supported encodings.
    let mut f64_wav = Vec::new();
    let fmt: [u16; 8] = [3, 1, 8000, 0, 64000, 0, 8, 64]; // tag, channels, rate (u32), byte rate (u32), align, bits
    f64_wav.extend_from_slice(b"RIFF");
    f64_wav.extend_from_slice(&(4 + 8 + 16 + 8 + 16u32).to_le_bytes());
    f64_wav.extend_from_slice(b"WAVEfmt ");
    f64_wav.extend_from_slice(&16u32.to_le_bytes());
    fmt.iter()
        .for_each(|v| f64_wav.extend_from_slice(&v.to_le_bytes()));
    f64_wav.extend_from_slice(b"data");
    f64_wav.extend_from_slice(&16u32.to_le_bytes());
    f64_wav.extend_from_slice(&[0u8; 16]);
    std::fs::write(dir.join("double.wav"), &f64_wav).unwrap();
    let err = read_wav(&dir.join("double.wav")).unwrap_err();
    assert!(
        matches!(err, SpeechError::Unsupported { .. }) && err.to_string().contains("double.wav"),
        "{err:?}"
    );

    // Zero-length: read fine, refused with a clear message by the transform.
    let empty = read_wav(&write_wav(&dir, "empty.wav", spec, &[])).unwrap();
    let lib = Mfcc::new(MfccSettings::librosa()).unwrap();
    let err = lib.compute(&empty, "empty.wav").unwrap_err();
    assert!(
        matches!(err, SpeechError::Empty { .. }) && err.to_string().contains("empty.wav"),
        "{err}"
    );
    // One sample, silence and clipping: finite features.
    for (name, samples) in [
        ("one.wav", vec![0.3]),
        ("silence.wav", vec![0.0; 8000]),
        (
            "clipped.wav",
            (0..8000)
                .map(|i| if i % 20 < 10 { 1.0 } else { -1.0 })
                .collect(),
        ),
    ] {
        let audio = read_wav(&write_wav(&dir, name, spec, &samples)).unwrap();
        for settings in [
            MfccSettings::librosa(),
            MfccSettings {
                deltas: 2,
                ..MfccSettings::librosa()
            },
        ] {
            let x = lib_or(&settings).compute(&audio, name).unwrap();
            assert!(x.nrows() >= 1 && x.iter().all(|v| v.is_finite()), "{name}");
        }
    }
    drop(lib);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn lib_or(settings: &MfccSettings) -> Mfcc {
    Mfcc::new(settings.clone()).unwrap()
}

#[test]
fn lifter_deltas_and_delta_deltas_equal_librosa() {
    let path = repo_root().join("tests/fixtures/speech/lifter_delta_librosa.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let clip = fixture["clip"].as_str().unwrap();
    let lifter = fixture["params"]["lifter"].as_f64().unwrap() as f32;
    let settings = MfccSettings {
        lifter,
        deltas: 2,
        delta_width: 9,
        ..fixture_speech_setting()
    };
    let audio = read_wav(&fsdd(clip)).unwrap();
    let ours = Mfcc::new(settings).unwrap().compute(&audio, clip).unwrap();
    assert_eq!(ours.ncols(), 39);
    let mut worst = 0f32;
    for (block, key) in ["mfcc", "delta", "delta2"].iter().enumerate() {
        for (i, coeff) in fixture[key].as_array().unwrap().iter().enumerate() {
            // Liftering scales coefficient i by up to 1 + L/2: so does its rounding error.
            let weight =
                1.0 + lifter / 2.0 * (std::f32::consts::PI * (i + 1) as f32 / lifter).sin();
            let frames = coeff.as_array().unwrap();
            assert_eq!(frames.len(), ours.nrows());
            for (t, v) in frames.iter().enumerate() {
                let got = ours[[t, block * 13 + i]];
                let diff = (got - v.as_f64().unwrap() as f32).abs();
                assert!(
                    diff <= 0.05 * weight,
                    "{key}[{i}] frame {t}: kmkit {got} librosa {v}"
                );
                worst = worst.max(diff / weight);
            }
        }
    }
    eprintln!("lifter {lifter} + deltas vs librosa: worst difference {worst:.2e} (per unit of lifter weight)");
}
