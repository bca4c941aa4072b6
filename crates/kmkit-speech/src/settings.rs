//! [`MfccSettings`]: every choice of the MFCC transform, serialisable so a
//! later `predict` repeats it exactly, with the `librosa` and `speech` presets.

use serde::{Deserialize, Serialize};

use crate::error::{Result, SpeechError};

/// A length in samples, or in seconds (rounded to samples at the clip's rate).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    /// A fixed number of samples, whatever the sample rate.
    Samples(usize),
    /// A duration in seconds.
    Seconds(f64),
}

impl Length {
    /// The length in samples at `sample_rate`.
    pub fn samples(self, sample_rate: u32) -> usize {
        match self {
            Length::Samples(n) => n,
            Length::Seconds(s) => (s * sample_rate as f64).round().max(0.0) as usize,
        }
    }
}

/// How frames are laid over the signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// librosa's `center=True` with `pad_mode="constant"`: the signal is padded
    /// with `n_fft / 2` zeros on both sides and frame `t` is centred on sample
    /// `t · hop`; `1 + len / hop` frames.
    Centered,
    /// Kaldi's `snip-edges`: frames of `win_length` samples start at `t · hop`
    /// and lie wholly inside the signal; `1 + (len − win) / hop` frames.
    SnipEdges,
}

/// Analysis window. `Hann` and `Hamming` are periodic (scipy's
/// `get_window(..., fftbins=True)`, as librosa); the `Symmetric` variants and
/// `Povey` follow Kaldi (`(N − 1)` in the cosine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Periodic Hann (librosa's default `"hann"`).
    Hann,
    /// Periodic Hamming (librosa's `"hamming"`).
    Hamming,
    /// Symmetric Hann.
    HannSymmetric,
    /// Symmetric Hamming (Kaldi's and HTK's `hamming`).
    HammingSymmetric,
    /// Kaldi's `povey`: symmetric Hann raised to the power 0.85.
    Povey,
    /// All ones.
    Rectangular,
}

/// The mel scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelScale {
    /// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above (librosa's default).
    Slaney,
    /// HTK's `2595 · log10(1 + f / 700)`.
    Htk,
}

/// Normalisation of the mel triangles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelNorm {
    /// Slaney's area normalisation: each triangle scaled by `2 / (f_hi − f_lo)` (librosa's default).
    Slaney,
    /// Triangles peak at 1 (HTK, Kaldi).
    None,
}

/// The spectrum the mel bank is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spectrum {
    /// `|X|²` (librosa's `power=2.0`).
    Power,
    /// `|X|` (`power=1.0`).
    Magnitude,
}

/// Compression of the mel energies before the DCT.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogScale {
    /// librosa's `power_to_db(S, ref=1.0, amin, top_db)`: `10 · log10(max(amin, S))`,
    /// then floored at `max − top_db`, the maximum taken over the whole clip.
    Db {
        /// Smallest energy (librosa: 1e-10).
        amin: f32,
        /// Dynamic range kept below the clip's maximum (librosa: 80), or none.
        top_db: Option<f32>,
    },
    /// Natural log of `max(floor, S)` (Kaldi, HTK, python_speech_features).
    Ln {
        /// Smallest energy (e.g. `f32::EPSILON`).
        floor: f32,
    },
}

/// Cepstral mean (and variance) normalisation over the frames of each clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmvn {
    /// Off.
    None,
    /// Subtract each coefficient's mean over the clip.
    Mean,
    /// Subtract the mean and divide by the standard deviation (left as is where it is 0).
    MeanVariance,
}

/// Every choice of the MFCC transform. Start from a preset and override
/// fields with struct-update syntax:
///
/// ```
/// use kmkit_speech::{Length, MfccSettings};
/// let s = MfccSettings { n_mfcc: 13, hop_length: Length::Samples(80), ..MfccSettings::librosa() };
/// assert_eq!(s.n_mels, 128);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfccSettings {
    /// FFT size; `None` means the next power of two ≥ the window length.
    pub n_fft: Option<usize>,
    /// Window length; `None` means `n_fft`. Centred windows shorter than
    /// `n_fft` are zero-padded on both sides (librosa); snip-edges windows at the end (Kaldi).
    pub win_length: Option<Length>,
    /// Hop between frames.
    pub hop_length: Length,
    /// Centred (librosa) or snip-edges (Kaldi) framing.
    pub framing: Framing,
    /// Window function.
    pub window: Window,
    /// Pre-emphasis coefficient `y[n] − c · y[n−1]` over the whole clip (`y[0]`
    /// kept, as python_speech_features); 0 turns it off.
    pub preemphasis: f32,
    /// Power or magnitude spectrum.
    pub spectrum: Spectrum,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest band edge in Hz.
    pub fmin: f64,
    /// Highest band edge in Hz; `None` means the Nyquist frequency.
    pub fmax: Option<f64>,
    /// Mel scale.
    pub mel_scale: MelScale,
    /// Triangle normalisation.
    pub mel_norm: MelNorm,
    /// Log compression.
    pub log: LogScale,
    /// Number of cepstral coefficients kept (of an `n_mels`-point orthonormal DCT-II).
    pub n_mfcc: usize,
    /// Cepstral liftering `1 + (L/2) · sin(π (i+1) / L)` for coefficient `i`
    /// (librosa's formula); 0 turns it off.
    pub lifter: f32,
    /// Per-clip cepstral mean (and variance) normalisation of the static coefficients.
    pub cmvn: Cmvn,
    /// Dynamic features appended to each frame: 0 (none), 1 (deltas) or 2 (deltas and delta-deltas).
    pub deltas: usize,
    /// Width of the delta window (odd, ≥ 3; librosa: 9).
    pub delta_width: usize,
}

impl Default for MfccSettings {
    fn default() -> Self {
        MfccSettings::librosa()
    }
}

impl MfccSettings {
    /// `librosa.feature.mfcc(y, sr)` with every argument at its default
    /// (librosa 0.11): n_fft 2048, hop 512, periodic Hann, centred with zero
    /// padding, power spectrum, 128 Slaney mel bands with Slaney
    /// normalisation from 0 Hz to Nyquist, `power_to_db(top_db=80)`,
    /// orthonormal DCT-II, 20 coefficients, no liftering.
    pub fn librosa() -> Self {
        MfccSettings {
            n_fft: Some(2048),
            win_length: None,
            hop_length: Length::Samples(512),
            framing: Framing::Centered,
            window: Window::Hann,
            preemphasis: 0.0,
            spectrum: Spectrum::Power,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            mel_scale: MelScale::Slaney,
            mel_norm: MelNorm::Slaney,
            log: LogScale::Db { amin: 1e-10, top_db: Some(80.0) },
            n_mfcc: 20,
            lifter: 0.0,
            cmvn: Cmvn::None,
            deltas: 0,
            delta_width: 9,
        }
    }

    /// The classic speech front end (Kaldi / HTK style): 25 ms windows every
    /// 10 ms, FFT size the next power of two, pre-emphasis 0.97, symmetric
    /// Hamming window, snip-edges framing, power spectrum, 40 HTK mel bands
    /// (unnormalised triangles) from 20 Hz to Nyquist, natural log, 13
    /// coefficients of the orthonormal DCT-II, lifter 22, per-clip mean
    /// normalisation.
    pub fn speech() -> Self {
        MfccSettings {
            n_fft: None,
            win_length: Some(Length::Seconds(0.025)),
            hop_length: Length::Seconds(0.010),
            framing: Framing::SnipEdges,
            window: Window::HammingSymmetric,
            preemphasis: 0.97,
            spectrum: Spectrum::Power,
            n_mels: 40,
            fmin: 20.0,
            fmax: None,
            mel_scale: MelScale::Htk,
            mel_norm: MelNorm::None,
            log: LogScale::Ln { floor: f32::EPSILON },
            n_mfcc: 13,
            lifter: 22.0,
            cmvn: Cmvn::Mean,
            deltas: 0,
            delta_width: 9,
        }
    }

    /// Number of values per output frame: `n_mfcc · (1 + deltas)`.
    pub fn n_features(&self) -> usize {
        self.n_mfcc * (1 + self.deltas)
    }

    /// Names of the output columns: `mfcc0..`, then `d_mfcc0..`, `dd_mfcc0..`.
    pub fn feature_names(&self) -> Vec<String> {
        let prefixes = ["mfcc", "d_mfcc", "dd_mfcc"];
        prefixes[..=self.deltas.min(2)]
            .iter()
            .flat_map(|p| (0..self.n_mfcc).map(move |i| format!("{p}{i}")))
            .collect()
    }

    /// Checks the settings on their own and, resolved for `sample_rate`,
    /// returns the frame geometry.
    pub fn resolve(&self, sample_rate: u32) -> Result<Geometry> {
        let invalid = |name: &'static str, value: String, expected: &str| {
            Err(SpeechError::InvalidSetting { name, value, expected: expected.to_string() })
        };
        if sample_rate == 0 {
            return invalid("sample_rate", "0".into(), "a positive sample rate");
        }
        let win = match (self.win_length, self.n_fft) {
            (Some(w), _) => w.samples(sample_rate),
            (None, Some(n)) => n,
            (None, None) => return invalid("win_length", "None".into(), "give win_length or n_fft"),
        };
        let n_fft = self.n_fft.unwrap_or_else(|| win.next_power_of_two());
        let hop = self.hop_length.samples(sample_rate);
        if n_fft < 2 {
            return invalid("n_fft", n_fft.to_string(), "at least 2");
        }
        if win == 0 || win > n_fft {
            return invalid("win_length", format!("{win} samples at {sample_rate} Hz"), &format!("between 1 and n_fft = {n_fft}"));
        }
        if hop == 0 {
            return invalid("hop_length", format!("{:?} at {sample_rate} Hz", self.hop_length), "at least one sample");
        }
        if !(0.0..1.0).contains(&self.preemphasis) {
            return invalid("preemphasis", self.preemphasis.to_string(), "in [0, 1)");
        }
        if self.n_mels == 0 {
            return invalid("n_mels", "0".into(), "at least 1");
        }
        if self.n_mfcc == 0 || self.n_mfcc > self.n_mels {
            return invalid("n_mfcc", self.n_mfcc.to_string(), &format!("between 1 and n_mels = {}", self.n_mels));
        }
        let nyquist = sample_rate as f64 / 2.0;
        let fmax = self.fmax.unwrap_or(nyquist);
        if !(self.fmin >= 0.0 && self.fmin < fmax) {
            return invalid("fmin", self.fmin.to_string(), &format!("≥ 0 and below fmax = {fmax}"));
        }
        if !(fmax.is_finite() && fmax <= nyquist) {
            return invalid("fmax", fmax.to_string(), &format!("at most the Nyquist frequency {nyquist} Hz"));
        }
        match self.log {
            LogScale::Db { amin, top_db } => {
                if !(amin > 0.0 && amin.is_finite()) {
                    return invalid("log.amin", amin.to_string(), "a positive number");
                }
                if top_db.is_some_and(|t| !(t >= 0.0 && t.is_finite())) {
                    return invalid("log.top_db", format!("{top_db:?}"), "non-negative");
                }
            }
            LogScale::Ln { floor } => {
                if !(floor > 0.0 && floor.is_finite()) {
                    return invalid("log.floor", floor.to_string(), "a positive number");
                }
            }
        }
        if !(self.lifter >= 0.0 && self.lifter.is_finite()) {
            return invalid("lifter", self.lifter.to_string(), "0 (off) or positive");
        }
        if self.deltas > 2 {
            return invalid("deltas", self.deltas.to_string(), "0, 1 or 2");
        }
        if self.deltas > 0 && (self.delta_width < 3 || self.delta_width.is_multiple_of(2)) {
            return invalid("delta_width", self.delta_width.to_string(), "an odd number ≥ 3");
        }
        Ok(Geometry { sample_rate, n_fft, win_length: win, hop_length: hop, fmax })
    }
}

/// Frame geometry of [`MfccSettings`] resolved for one sample rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Sample rate it was resolved for.
    pub sample_rate: u32,
    /// FFT size.
    pub n_fft: usize,
    /// Window length in samples.
    pub win_length: usize,
    /// Hop in samples.
    pub hop_length: usize,
    /// Highest mel band edge in Hz.
    pub fmax: f64,
}
