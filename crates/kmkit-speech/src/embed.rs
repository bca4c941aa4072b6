//! Clip embeddings: the mean and standard deviation of each MFCC (and delta)
//! coefficient over a clip's frames, standardised across the collection
//! (scikit-learn's `StandardScaler`), as `kmkit_core::Features`.

use kmkit_core::Features;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clip::Clip;
use crate::error::{Result, SpeechError};
use crate::mfcc::Mfcc;
use crate::settings::{Length, MfccSettings};

/// How clips become vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddingSettings {
    /// The frame transform.
    pub mfcc: MfccSettings,
    /// Append each coefficient's standard deviation to its mean.
    pub std: bool,
    /// Standardise every column across the collection (mean 0, unit variance).
    pub standardize: bool,
    /// Resample clips at another rate to this one first (so a model fitted on
    /// 8 kHz audio embeds 16 kHz audio the same way); `None` keeps each clip's rate.
    pub target_rate: Option<u32>,
}

impl Default for EmbeddingSettings {
    /// librosa's MFCC with its default 20 coefficients, on speech framing
    /// (25 ms windows every 10 ms, FFT size the next power of two, 40 mel
    /// bands: 200 / 80 / 256 samples at 8 kHz); mean and standard deviation
    /// per clip; standardised columns. On the 2,000 FSDD recordings of four
    /// speakers this clusters speakers at ARI 0.895 (k = 4), where the same
    /// recipe with 13 coefficients (the scikit-learn + librosa baseline) gives 0.70.
    fn default() -> Self {
        EmbeddingSettings {
            mfcc: MfccSettings {
                n_fft: None,
                win_length: Some(Length::Seconds(0.025)),
                hop_length: Length::Seconds(0.010),
                n_mels: 40,
                n_mfcc: 20,
                ..MfccSettings::librosa()
            },
            std: true,
            standardize: true,
            target_rate: None,
        }
    }
}

/// The fitted embedding: settings plus the column statistics of the
/// collection it was fitted on, so [`FittedEmbedding::transform`] repeats
/// the transform exactly on new clips.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedEmbedding {
    /// The settings.
    pub settings: EmbeddingSettings,
    /// Column means of the raw statistics (zeros when not standardising).
    pub mean: Vec<f64>,
    /// Column scales (standard deviations; 1 for constant columns or when not standardising).
    pub scale: Vec<f64>,
    /// Column names: `mean_mfcc0…`, then `std_mfcc0…`.
    pub feature_names: Vec<String>,
}

/// Mean (and standard deviation, ddof 0) of every column of `frames`,
/// accumulated in f64. A clip with no frames has no statistics (an error).
pub fn frame_statistics(frames: ArrayView2<f32>, with_std: bool) -> Vec<f32> {
    let (n, d) = frames.dim();
    let mut out = Vec::with_capacity(d * (1 + usize::from(with_std)));
    let nf = n.max(1) as f64;
    let means: Vec<f64> = frames.columns().into_iter().map(|c| c.iter().map(|&v| v as f64).sum::<f64>() / nf).collect();
    out.extend(means.iter().map(|&m| m as f32));
    if with_std {
        for (c, m) in frames.columns().into_iter().zip(&means) {
            out.push((c.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / nf).sqrt() as f32);
        }
    }
    out
}

impl EmbeddingSettings {
    /// Embeds `clips`, learns the column statistics, and returns the fitted
    /// state with the standardised features (row ids = clip ids).
    pub fn fit(&self, clips: &[Clip]) -> Result<(FittedEmbedding, Features)> {
        let raw = raw_embeddings(self, clips)?;
        let d = raw.ncols();
        let (mut mean, mut scale) = (vec![0f64; d], vec![1f64; d]);
        if self.standardize {
            let n = raw.nrows() as f64;
            for (j, col) in raw.columns().into_iter().enumerate() {
                mean[j] = col.iter().map(|&v| v as f64).sum::<f64>() / n;
                let sd = (col.iter().map(|&v| (v as f64 - mean[j]).powi(2)).sum::<f64>() / n).sqrt();
                // StandardScaler's rule: a constant column is centred, not scaled.
                scale[j] = if sd > 0.0 { sd } else { 1.0 };
            }
        }
        let prefixes: &[&str] = if self.std { &["mean_", "std_"] } else { &["mean_"] };
        let names = self.mfcc.feature_names();
        let feature_names = prefixes.iter().flat_map(|p| names.iter().map(move |n| format!("{p}{n}"))).collect();
        let fitted = FittedEmbedding { settings: self.clone(), mean, scale, feature_names };
        let features = fitted.finish(raw, clips);
        Ok((fitted, features))
    }
}

impl FittedEmbedding {
    /// Embeds new clips exactly as the fitted collection was.
    pub fn transform(&self, clips: &[Clip]) -> Result<Features> {
        let raw = raw_embeddings(&self.settings, clips)?;
        Ok(self.finish(raw, clips))
    }

    /// Rows in embedding space (e.g. k-means centroids) back in raw units:
    /// the mean (and std) of each MFCC coefficient, in the columns of
    /// `feature_names`; for per-cluster MFCC pictures and descriptions.
    pub fn inverse_transform(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        if x.ncols() != self.mean.len() {
            return Err(SpeechError::BadInput(format!("{} columns given, the embedding has {}", x.ncols(), self.mean.len())));
        }
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v as f64 * self.scale[j] + self.mean[j]) as f32;
            }
        }
        Ok(out)
    }

    /// The state as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("embedding state always serialises")
    }

    /// State written by [`FittedEmbedding::to_json`].
    pub fn from_json(text: &str) -> Result<Self> {
        let fitted: FittedEmbedding = serde_json::from_str(text).map_err(|e| SpeechError::BadState(e.to_string()))?;
        let d = fitted.feature_names.len();
        if fitted.mean.len() != d || fitted.scale.len() != d || fitted.scale.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
            return Err(SpeechError::BadState("mean/scale do not match the feature names, or a scale is not positive".into()));
        }
        Mfcc::new(fitted.settings.mfcc.clone())?;
        Ok(fitted)
    }

    fn finish(&self, mut raw: Array2<f32>, clips: &[Clip]) -> Features {
        for mut row in raw.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = ((*v as f64 - self.mean[j]) / self.scale[j]) as f32;
            }
        }
        let mut features = Features::dense(raw);
        features.row_ids = clips.iter().map(|c| c.id.clone()).collect();
        features.feature_names = self.feature_names.clone();
        features
    }
}

/// Unstandardised statistics of every clip, computed in parallel.
fn raw_embeddings(settings: &EmbeddingSettings, clips: &[Clip]) -> Result<Array2<f32>> {
    if clips.is_empty() {
        return Err(SpeechError::BadInput("no clips to embed: give at least one WAV file".into()));
    }
    let mfcc = Mfcc::new(settings.mfcc.clone())?;
    let rows: Vec<Vec<f32>> = clips
        .par_iter()
        .map(|clip| {
            let frames = match settings.target_rate {
                Some(rate) if rate != clip.audio.sample_rate => mfcc.compute(&clip.audio.resample(rate, &clip.id)?, &clip.id)?,
                _ => mfcc.compute(&clip.audio, &clip.id)?,
            };
            Ok(frame_statistics(frames.view(), settings.std))
        })
        .collect::<Result<_>>()?;
    let d = rows[0].len();
    Ok(Array2::from_shape_vec((rows.len(), d), rows.concat()).expect("every clip gives d statistics"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::Audio;

    fn tone(freq: f32, sr: u32) -> Audio {
        Audio::new((0..sr / 2).map(|i| (i as f32 * freq / sr as f32 * std::f32::consts::TAU).sin() * 0.3).collect(), sr)
    }

    #[test]
    fn statistics_standardisation_and_target_rate() {
        let clips: Vec<Clip> = [300.0, 700.0, 1500.0].iter().enumerate().map(|(i, &f)| Clip::new(format!("c{i}"), tone(f, 8000))).collect();
        let settings = EmbeddingSettings { target_rate: Some(8000), ..EmbeddingSettings::default() };
        let (fitted, x) = settings.fit(&clips).unwrap();
        let kmkit_core::Matrix::Dense(a) = &x.data else { panic!("dense") };
        for col in a.columns() {
            assert!(col.mean().unwrap().abs() < 1e-5);
        }
        assert_eq!(x.row_ids, ["c0", "c1", "c2"]);
        assert_eq!(x.feature_names[0], "mean_mfcc0");
        assert_eq!(x.feature_names[20], "std_mfcc0");
        // The same tone at 16 kHz is resampled to 8 kHz and lands near its 8 kHz twin.
        let y = fitted.transform(&[Clip::new("hi", tone(700.0, 16000))]).unwrap();
        let kmkit_core::Matrix::Dense(b) = &y.data else { panic!("dense") };
        let dist = |r: usize| a.row(r).iter().zip(b.row(0)).map(|(p, q)| (p - q).powi(2)).sum::<f32>();
        assert!(dist(1) < dist(0) && dist(1) < dist(2), "{} {} {}", dist(0), dist(1), dist(2));
        assert!(matches!(settings.fit(&[]), Err(SpeechError::BadInput(_))));
        // Un-standardising gives back each clip's raw statistics.
        let raw = raw_embeddings(&settings, &clips).unwrap();
        let back = fitted.inverse_transform(a.view()).unwrap();
        assert!(back.iter().zip(raw.iter()).all(|(p, q)| (p - q).abs() <= 1e-3 * q.abs().max(1.0)));
        assert!(fitted.inverse_transform(a.slice(ndarray::s![.., ..3])).is_err());
        let stats = frame_statistics(ndarray::array![[1.0f32, 2.0], [3.0, 2.0]].view(), true);
        assert_eq!(stats, vec![2.0, 2.0, 1.0, 0.0]);
    }
}
