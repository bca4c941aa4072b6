//! Reading WAV files into mono `f32` samples, and resampling.
//!
//! Integer PCM is scaled exactly as soundfile (and so librosa) does it:
//! `value / 2^(bits-1)`, e.g. int16 / 32768, so the samples equal
//! `librosa.load(path, sr=None)` bit for bit. Channels are averaged
//! (librosa's `to_mono`).

use std::path::Path;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SpeechError};
use kmkit_core::budget;

/// Amplitude at or below which audio counts as digital silence (−100 dBFS;
/// one step of 16-bit PCM is 3·10⁻⁵).
pub const SILENCE: f32 = 1e-5;

/// Mono audio: samples in [-1, 1] (float files may exceed it) and their rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audio {
    /// Mono samples.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

impl Audio {
    /// Audio from samples already in memory.
    pub fn new(samples: Vec<f32>, sample_rate: u32) -> Self {
        Audio {
            samples,
            sample_rate,
        }
    }

    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / self.sample_rate as f64
    }

    /// Largest absolute sample value (0 for empty audio).
    pub fn peak(&self) -> f32 {
        self.samples.iter().fold(0.0f32, |m, v| m.max(v.abs()))
    }

    /// True when no sample rises above [`SILENCE`] (−100 dBFS): digital
    /// silence, which has no speech, speaker or sound to cluster.
    pub fn is_silent(&self) -> bool {
        self.peak() <= SILENCE
    }

    /// Fraction of samples at full scale (|v| ≥ 0.999), a sign of clipping.
    /// Clipped audio is still analysed; callers may warn about it.
    pub fn clipped_fraction(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let clipped = self.samples.iter().filter(|v| v.abs() >= 0.999).count();
        clipped as f64 / self.samples.len() as f64
    }

    /// Checks the audio can be analysed: a positive rate, at least one
    /// sample, every sample finite and within ±10⁶ (full scale is ±1).
    /// `id` names the clip in the error.
    pub fn validate(&self, id: &str) -> Result<()> {
        if self.sample_rate == 0 {
            return Err(SpeechError::InvalidSetting {
                name: "sample_rate",
                value: "0".into(),
                expected: format!("{id}: a positive sample rate"),
            });
        }
        if self.samples.is_empty() {
            return Err(SpeechError::Empty { id: id.to_string() });
        }
        check_samples(&self.samples, id)
    }

    /// The same audio at `target_rate` Hz, through rubato's FFT resampler
    /// (band-limited, anti-aliased). Returns a copy when the rates already agree.
    pub fn resample(&self, target_rate: u32, id: &str) -> Result<Audio> {
        if target_rate == 0 {
            return Err(SpeechError::InvalidSetting {
                name: "target_rate",
                value: "0".into(),
                expected: "a positive sample rate".into(),
            });
        }
        for rate in [self.sample_rate, target_rate] {
            if rate > MAX_SAMPLE_RATE {
                return Err(SpeechError::InvalidSetting {
                    name: "sample_rate",
                    value: rate.to_string(),
                    expected: format!("{id}: a sample rate of at most {MAX_SAMPLE_RATE} Hz"),
                });
            }
        }
        if target_rate == self.sample_rate || self.samples.is_empty() {
            return Ok(Audio {
                samples: self.samples.clone(),
                sample_rate: target_rate,
            });
        }
        // rubato panics when its FFTs overflow to NaN, so check first even
        // if the caller did not validate.
        check_samples(&self.samples, id)?;
        let fail = |reason: String| SpeechError::Resample {
            id: id.to_string(),
            from: self.sample_rate,
            to: target_rate,
            reason,
        };
        let mut resampler = Fft::<f32>::new(
            self.sample_rate as usize,
            target_rate as usize,
            1024,
            1,
            FixedSync::Input,
        )
        .map_err(|e| fail(e.to_string()))?;
        let n = self.samples.len();
        let input =
            InterleavedSlice::new(&self.samples[..], 1, n).map_err(|e| fail(e.to_string()))?;
        let out = resampler
            .process_all(&input, n, None)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Audio {
            samples: out.take_data(),
            sample_rate: target_rate,
        })
    }
}

/// Largest sample magnitude accepted. Full scale is 1 and float WAV files may
/// go a little beyond it, but ±10⁶ (120 dB over full scale) only comes from a
/// damaged file, and values near `f32::MAX` overflow the FFTs of resampling
/// and MFCC (found by fuzzing: rubato panics on the NaN that results).
const MAX_AMPLITUDE: f32 = 1.0e6;

/// Highest sample rate accepted (DXD, the highest in common use). rubato's
/// FFT sizes grow with rate / gcd(rates): a header claiming 4.29 GHz made it
/// allocate 3.4 GB before reading a sample (found by fuzzing).
pub const MAX_SAMPLE_RATE: u32 = 384_000;

/// Every sample finite and within [`MAX_AMPLITUDE`].
fn check_samples(samples: &[f32], id: &str) -> Result<()> {
    let Some(index) = samples
        .iter()
        .position(|v| !v.is_finite() || v.abs() > MAX_AMPLITUDE)
    else {
        return Ok(());
    };
    let (id, value) = (id.to_string(), samples[index].to_string());
    Err(if samples[index].is_finite() {
        SpeechError::OutOfRange { id, index, value }
    } else {
        SpeechError::NonFinite { id, index, value }
    })
}

/// Reads a WAV file (PCM 8/16/24/32-bit integer or 32-bit float, any number
/// of channels, any rate) into mono audio. Truncated or corrupt files and
/// other encodings give an error naming the file. A file with no samples is
/// read as empty audio: [`Audio::validate`] reports it where it matters.
pub fn read_wav(path: &Path) -> Result<Audio> {
    // Read the whole file once; hound parses the header from memory and the
    // common encodings are then decoded straight from the data chunk's bytes
    // (hound's per-sample iterator is the slow part of reading many short files).
    let io = |source| SpeechError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Refused from its size before it is read (the budget: [`crate::set_read_budget`]).
    let len = std::fs::metadata(path).map_err(io)?.len();
    if let Some(message) = budget::file_too_large(len, budget::read_budget()) {
        return Err(SpeechError::TooLarge {
            path: path.to_path_buf(),
            message,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    read_wav_bytes(path, &bytes)
}

/// Decodes WAV bytes already in memory, as [`read_wav`] does; `path` is used
/// in messages only.
pub fn read_wav_bytes(path: &Path, bytes: &[u8]) -> Result<Audio> {
    let bad = |e: hound::Error| match e {
        // Failing to open or being refused is an I/O problem; running out of
        // bytes mid-header or mid-data (hound says "Other" or UnexpectedEof) means a damaged file.
        hound::Error::IoError(source)
            if !matches!(
                source.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::Other
            ) =>
        {
            SpeechError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
        hound::Error::IoError(source) => SpeechError::BadWav {
            path: path.to_path_buf(),
            reason: format!("the file ends early or is damaged: {source}"),
        },
        hound::Error::Unsupported => SpeechError::Unsupported {
            path: path.to_path_buf(),
            what: "a feature hound does not decode".into(),
        },
        other => SpeechError::BadWav {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    };
    let mut cursor = std::io::Cursor::new(bytes);
    let reader = match hound::WavReader::new(&mut cursor) {
        Ok(r) => r,
        // hound calls some valid-but-unsupported encodings malformed; name them.
        Err(e) => {
            return Err(match unsupported_encoding(bytes) {
                Some(what) => SpeechError::Unsupported {
                    path: path.to_path_buf(),
                    what,
                },
                None => bad(e),
            })
        }
    };
    let spec = reader.spec();
    let channels = spec.channels as usize;
    if channels == 0 {
        return Err(SpeechError::BadWav {
            path: path.to_path_buf(),
            reason: "the header declares 0 channels".into(),
        });
    }
    if spec.sample_rate == 0 || spec.sample_rate > MAX_SAMPLE_RATE {
        return Err(SpeechError::BadWav {
            path: path.to_path_buf(),
            reason: format!(
                "the header declares a {} Hz sample rate (expected 1 Hz to {MAX_SAMPLE_RATE} Hz)",
                spec.sample_rate
            ),
        });
    }
    let n_values = reader.len() as usize;
    let supported = matches!(
        (spec.sample_format, spec.bits_per_sample),
        (hound::SampleFormat::Int, 8 | 16 | 24 | 32) | (hound::SampleFormat::Float, 32)
    );
    if !supported {
        let kind = if spec.sample_format == hound::SampleFormat::Float {
            "float"
        } else {
            "integer"
        };
        return Err(SpeechError::Unsupported {
            path: path.to_path_buf(),
            what: format!("{}-bit {kind}", spec.bits_per_sample),
        });
    }
    // Decoded, every value is an f32: up to 4× the bytes of 8-bit data.
    let decoded = (n_values as u64).saturating_mul(4);
    let limit = budget::read_budget();
    if decoded > limit {
        return Err(SpeechError::TooLarge {
            path: path.to_path_buf(),
            message: format!(
                "decoding {n_values} samples needs about {} in memory, more than the {} available",
                budget::show(decoded),
                budget::show(limit)
            ),
        });
    }
    let interleaved = match decode_data_chunk(
        bytes,
        reader.into_inner().position() as usize,
        n_values,
        spec,
    ) {
        Some(Ok(values)) => values,
        Some(Err(available)) => {
            return Err(SpeechError::BadWav {
                path: path.to_path_buf(),
                reason: format!(
                    "the file ends early (truncated): {available} of {n_values} samples present"
                ),
            })
        }
        None => decode_with_hound(bytes, spec).map_err(bad)?,
    };
    if interleaved.len() % channels != 0 {
        return Err(SpeechError::BadWav {
            path: path.to_path_buf(),
            reason: format!(
                "{} samples do not fill whole frames of {channels} channels",
                interleaved.len()
            ),
        });
    }
    let samples = if channels == 1 {
        interleaved
    } else {
        // librosa's to_mono: the mean over channels.
        interleaved
            .chunks_exact(channels)
            .map(|f| (f.iter().map(|&v| v as f64).sum::<f64>() / channels as f64) as f32)
            .collect()
    };
    Ok(Audio {
        samples,
        sample_rate: spec.sample_rate,
    })
}

/// soundfile's scaling of integer PCM: divide by 2^(bits-1).
fn int_scale(bits: u16) -> f64 {
    1.0 / (1u64 << (bits - 1)) as f64
}

/// Decodes the data chunk that starts at `start` when its samples fill their
/// containers exactly (8/16/24/32-bit integer, 32-bit float). `None` means
/// "not such a layout, let hound decode it"; `Some(Err(n))` means the file
/// holds only `n` of the samples its header announces.
fn decode_data_chunk(
    bytes: &[u8],
    start: usize,
    n_values: usize,
    spec: hound::WavSpec,
) -> Option<Result<Vec<f32>, usize>> {
    // hound stops right after the data chunk header: "data" and its byte length.
    let header = bytes.get(start.checked_sub(8)?..start)?;
    if &header[..4] != b"data" {
        return None;
    }
    let data_len = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
    let width = (spec.bits_per_sample / 8) as usize;
    if n_values == 0 || data_len / n_values != width || !spec.bits_per_sample.is_multiple_of(8) {
        return if n_values == 0 {
            Some(Ok(Vec::new()))
        } else {
            None
        };
    }
    let data = &bytes[start..];
    let available = data.len() / width;
    if available < n_values {
        return Some(Err(available));
    }
    let data = &data[..n_values * width];
    let scale = int_scale(spec.bits_per_sample);
    let values = match (spec.sample_format, width) {
        (hound::SampleFormat::Float, 4) => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        // 8-bit WAV is unsigned, centred on 128.
        (hound::SampleFormat::Int, 1) => data
            .iter()
            .map(|&b| ((b as i32 - 128) as f64 * scale) as f32)
            .collect(),
        (hound::SampleFormat::Int, 2) => data
            .chunks_exact(2)
            .map(|b| (i16::from_le_bytes([b[0], b[1]]) as f64 * scale) as f32)
            .collect(),
        (hound::SampleFormat::Int, 3) => data
            .chunks_exact(3)
            .map(|b| ((i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f64 * scale) as f32)
            .collect(),
        (hound::SampleFormat::Int, 4) => data
            .chunks_exact(4)
            .map(|b| (i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64 * scale) as f32)
            .collect(),
        _ => return None,
    };
    Some(Ok(values))
}

/// The encoding named by a RIFF/WAVE `fmt ` chunk when it is one this crate
/// does not decode (64-bit float, A-law, µ-law, ADPCM…), or `None`.
fn unsupported_encoding(bytes: &[u8]) -> Option<String> {
    if bytes.get(..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut pos = 12;
    while let Some(head) = bytes.get(pos..pos + 8) {
        let len = u32::from_le_bytes(head[4..8].try_into().ok()?) as usize;
        if &head[..4] == b"fmt " {
            let fmt = bytes.get(pos + 8..pos + 8 + 16)?;
            let tag = u16::from_le_bytes([fmt[0], fmt[1]]);
            let bits = u16::from_le_bytes([fmt[14], fmt[15]]);
            return match (tag, bits) {
                (1, 8 | 16 | 24 | 32) | (3, 32) | (0xFFFE, _) => None,
                (1, b) => Some(format!("{b}-bit integer PCM")),
                (3, b) => Some(format!("{b}-bit float")),
                (6, _) => Some("A-law".into()),
                (7, _) => Some("µ-law".into()),
                (t, _) => Some(format!("format tag {t:#06x} (compressed)")),
            };
        }
        pos += 8 + len + (len & 1);
    }
    None
}

/// hound's own decoder, for layouts the fast path leaves alone (e.g. 24-bit
/// samples in 32-bit containers).
fn decode_with_hound(bytes: &[u8], spec: hound::WavSpec) -> Result<Vec<f32>, hound::Error> {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes))?;
    match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = int_scale(spec.bits_per_sample);
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| (v as f64 * scale) as f32))
                .collect()
        }
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect(),
    }
}

/// Reads a WAV file and, if `target_rate` is given, resamples it to that rate.
pub fn load(path: &Path, target_rate: Option<u32>) -> Result<Audio> {
    let audio = read_wav(path)?;
    match target_rate {
        Some(rate) if rate != audio.sample_rate => {
            audio.resample(rate, &path.display().to_string())
        }
        _ => Ok(audio),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, sr: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                (0.5 * (2.0 * std::f64::consts::PI * freq * i as f64 / sr as f64).sin()) as f32
            })
            .collect()
    }

    /// A mono 32-bit float WAV at 8 kHz.
    fn float_wav(samples: &[f32]) -> Vec<u8> {
        let data: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = b"RIFF".to_vec();
        out.extend((36 + data.len() as u32).to_le_bytes());
        out.extend(b"WAVEfmt ");
        out.extend(16u32.to_le_bytes());
        out.extend(3u16.to_le_bytes()); // IEEE float
        out.extend(1u16.to_le_bytes());
        out.extend(8000u32.to_le_bytes());
        out.extend(32000u32.to_le_bytes());
        out.extend(4u16.to_le_bytes());
        out.extend(32u16.to_le_bytes());
        out.extend(b"data");
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
        out
    }

    /// Fuzzing regression (fuzz target `wav`): float samples near `f32::MAX`
    /// overflowed rubato's FFT to NaN and it panicked inside `resample`.
    #[test]
    fn huge_float_samples_are_an_error_not_a_panic() {
        let mut samples = tone(440.0, 8000, 2000);
        samples[700] = 1.739_368e38;
        let audio = read_wav_bytes(Path::new("huge.wav"), &float_wav(&samples)).unwrap();
        for err in [
            audio.validate("huge.wav").unwrap_err(),
            audio.resample(16000, "huge.wav").unwrap_err(),
        ] {
            assert!(matches!(err, SpeechError::OutOfRange { index: 700, .. }));
            assert!(err.to_string().contains("far beyond full scale"), "{err}");
        }
        // Slightly hot float audio is fine.
        samples[700] = 1.5;
        let audio = read_wav_bytes(Path::new("hot.wav"), &float_wav(&samples)).unwrap();
        assert_eq!(
            audio.resample(16000, "hot.wav").unwrap().samples.len(),
            4000
        );
    }

    /// Fuzzing regression (fuzz target `wav`, an out-of-memory): a 58-byte
    /// WAV whose header claims a 4 294 967 295 Hz rate made resampling
    /// allocate 3.4 GB. The header is now refused, and so is such a rate
    /// handed to `resample` directly.
    #[test]
    fn absurd_sample_rates_are_refused_before_allocating() {
        // The fuzzer's input: 8-bit PCM, rate and byte rate u32::MAX.
        let wav = b"RIFF\xf4\x07\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xff\xff\xff\xff\xff\xff\xff\xff\
                    \x01\0\x08\0data\x0e\0\0\0\0\x30\0\0\x01\0\0\0ZZZZZZ";
        let err = read_wav_bytes(Path::new("fast.wav"), wav).unwrap_err();
        assert!(
            err.to_string().contains("4294967295 Hz sample rate"),
            "{err}"
        );
        let audio = Audio::new(vec![0.0; 100], u32::MAX);
        assert!(audio.resample(16000, "fast").is_err());
        let audio = Audio::new(vec![0.0; 100], 16000);
        assert!(audio.resample(MAX_SAMPLE_RATE + 1, "fast").is_err());
    }

    #[test]
    fn resampling_keeps_length_ratio_and_a_tone_below_nyquist() {
        let a = Audio::new(tone(440.0, 16000, 16000), 16000);
        let b = a.resample(8000, "tone").unwrap();
        assert_eq!(b.sample_rate, 8000);
        assert_eq!(b.samples.len(), 8000);
        // Away from the edges the output is the 8 kHz tone (rubato's delay is trimmed).
        let want = tone(440.0, 8000, 8000);
        let err = b.samples[500..7500]
            .iter()
            .zip(&want[500..7500])
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 0.01, "max deviation {err}");
        // A 6 kHz tone is above the new Nyquist (4 kHz) and is filtered out.
        let high = Audio::new(tone(6000.0, 16000, 16000), 16000)
            .resample(8000, "high")
            .unwrap();
        let rms = (high.samples[500..7500].iter().map(|v| v * v).sum::<f32>() / 7000.0).sqrt();
        assert!(rms < 0.01, "aliased energy {rms}");
        assert!(a.resample(0, "tone").is_err());
    }
}
