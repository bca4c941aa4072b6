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
        Audio { samples, sample_rate }
    }

    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / self.sample_rate as f64
    }

    /// Checks the audio can be analysed: a positive rate, at least one
    /// sample, every sample finite. `id` names the clip in the error.
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
        if let Some(index) = self.samples.iter().position(|v| !v.is_finite()) {
            return Err(SpeechError::NonFinite { id: id.to_string(), index, value: self.samples[index].to_string() });
        }
        Ok(())
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
        if target_rate == self.sample_rate || self.samples.is_empty() {
            return Ok(Audio { samples: self.samples.clone(), sample_rate: target_rate });
        }
        let fail = |reason: String| SpeechError::Resample {
            id: id.to_string(),
            from: self.sample_rate,
            to: target_rate,
            reason,
        };
        let mut resampler = Fft::<f32>::new(self.sample_rate as usize, target_rate as usize, 1024, 1, FixedSync::Input)
            .map_err(|e| fail(e.to_string()))?;
        let n = self.samples.len();
        let input = InterleavedSlice::new(&self.samples[..], 1, n).map_err(|e| fail(e.to_string()))?;
        let out = resampler.process_all(&input, n, None).map_err(|e| fail(e.to_string()))?;
        Ok(Audio { samples: out.take_data(), sample_rate: target_rate })
    }
}

/// Reads a WAV file (PCM 8/16/24/32-bit integer or 32-bit float, any number
/// of channels, any rate) into mono audio. Truncated or corrupt files and
/// other encodings give an error naming the file. A file with no samples is
/// read as empty audio: [`Audio::validate`] reports it where it matters.
pub fn read_wav(path: &Path) -> Result<Audio> {
    let bad = |e: hound::Error| match e {
        // Failing to open or being refused is an I/O problem; running out of
        // bytes mid-header or mid-data (hound says "Other" or UnexpectedEof) means a damaged file.
        hound::Error::IoError(source)
            if !matches!(source.kind(), std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::Other) =>
        {
            SpeechError::Io { path: path.to_path_buf(), source }
        }
        hound::Error::IoError(source) => {
            SpeechError::BadWav { path: path.to_path_buf(), reason: format!("the file ends early or is damaged: {source}") }
        }
        hound::Error::Unsupported => {
            SpeechError::Unsupported { path: path.to_path_buf(), what: "a feature hound does not decode".into() }
        }
        other => SpeechError::BadWav { path: path.to_path_buf(), reason: other.to_string() },
    };
    let reader = hound::WavReader::open(path).map_err(bad)?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    if channels == 0 {
        return Err(SpeechError::BadWav { path: path.to_path_buf(), reason: "the header declares 0 channels".into() });
    }
    if spec.sample_rate == 0 {
        return Err(SpeechError::BadWav { path: path.to_path_buf(), reason: "the header declares a 0 Hz sample rate".into() });
    }
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            // soundfile's scaling: divide by 2^(bits-1), in f64 so 24/32-bit
            // values round once, to the nearest f32.
            let scale = 1.0 / (1u64 << (bits - 1)) as f64;
            reader.into_samples::<i32>().map(|s| s.map(|v| (v as f64 * scale) as f32)).collect::<Result<_, _>>().map_err(bad)?
        }
        (hound::SampleFormat::Float, 32) => reader.into_samples::<f32>().collect::<Result<_, _>>().map_err(bad)?,
        (format, bits) => {
            let kind = if format == hound::SampleFormat::Float { "float" } else { "integer" };
            return Err(SpeechError::Unsupported { path: path.to_path_buf(), what: format!("{bits}-bit {kind}") });
        }
    };
    if interleaved.len() % channels != 0 {
        return Err(SpeechError::BadWav {
            path: path.to_path_buf(),
            reason: format!("{} samples do not fill whole frames of {channels} channels", interleaved.len()),
        });
    }
    let samples = if channels == 1 {
        interleaved
    } else {
        // librosa's to_mono: the mean over channels.
        interleaved.chunks_exact(channels).map(|f| (f.iter().map(|&v| v as f64).sum::<f64>() / channels as f64) as f32).collect()
    };
    Ok(Audio { samples, sample_rate: spec.sample_rate })
}

/// Reads a WAV file and, if `target_rate` is given, resamples it to that rate.
pub fn load(path: &Path, target_rate: Option<u32>) -> Result<Audio> {
    let audio = read_wav(path)?;
    match target_rate {
        Some(rate) if rate != audio.sample_rate => audio.resample(rate, &path.display().to_string()),
        _ => Ok(audio),
    }
}
