//! Vector-quantisation speaker codebooks: k-means (by the core) over all
//! MFCC frames of each speaker; a new clip belongs to the speaker whose
//! codebook quantises its frames with the least average distortion
//! (Soong, Rosenberg, Juang & Rabiner, 1985).

use kmkit_core::{KMeansParams, Model};
use ndarray::{concatenate, Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::clip::Clip;
use crate::error::{Result, SpeechError};
use crate::mfcc::Mfcc;
use crate::settings::{Cmvn, MfccSettings};

/// How codebooks are trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodebookSettings {
    /// The frame transform.
    pub mfcc: MfccSettings,
    /// Each speaker's k-means: `n_clusters` is the number of codewords per
    /// speaker; seed, restarts, iterations and algorithm apply to every speaker.
    pub kmeans: KMeansParams,
}

impl Default for CodebookSettings {
    /// The `speech` preset without mean normalisation (the clip's mean
    /// spectrum carries the speaker's voice), 16 codewords, 1 k-means run, seed 0.
    fn default() -> Self {
        CodebookSettings {
            mfcc: MfccSettings {
                cmvn: Cmvn::None,
                ..MfccSettings::speech()
            },
            kmeans: KMeansParams::new(16),
        }
    }
}

/// One codebook per speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Codebooks {
    /// The settings they were trained with.
    pub settings: CodebookSettings,
    /// Speaker names, sorted.
    pub speakers: Vec<String>,
    /// One k-means model per speaker (its centroids are the codewords).
    pub models: Vec<Model>,
}

/// The verdict on one clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    /// Index into [`Codebooks::speakers`] of the least-distortion speaker.
    pub speaker: usize,
    /// Average squared distance of the clip's frames to their nearest codeword, per speaker.
    pub distortions: Vec<f64>,
}

impl CodebookSettings {
    /// Codewords per speaker.
    pub fn size(&self) -> usize {
        self.kmeans.n_clusters
    }

    /// Trains a codebook per speaker from `clips` labelled by `speakers` (one label per clip).
    pub fn train(&self, clips: &[Clip], speakers: &[String]) -> Result<Codebooks> {
        if clips.len() != speakers.len() {
            return Err(SpeechError::BadInput(format!(
                "{} clips but {} speaker labels",
                clips.len(),
                speakers.len()
            )));
        }
        if clips.is_empty() {
            return Err(SpeechError::BadInput(
                "no training clips: give labelled WAV files".into(),
            ));
        }
        if self.size() == 0 {
            return Err(SpeechError::InvalidSetting {
                name: "size",
                value: "0".into(),
                expected: "at least 1 codeword".into(),
            });
        }
        let mfcc = Mfcc::new(self.mfcc.clone())?;
        let frames: Vec<Array2<f32>> = clips
            .par_iter()
            .map(|c| mfcc.compute(&c.audio, &c.id))
            .collect::<Result<_>>()?;
        let mut names: Vec<String> = speakers.to_vec();
        names.sort();
        names.dedup();
        let models = names
            .iter()
            .map(|name| {
                let views: Vec<_> = frames.iter().zip(speakers).filter(|(_, s)| *s == name).map(|(f, _)| f.view()).collect();
                let x = concatenate(Axis(0), &views).expect("frames share their width");
                if x.nrows() < self.size() {
                    return Err(SpeechError::BadInput(format!(
                        "speaker {name} has {} frames, fewer than the codebook size {}: give more audio or a smaller size",
                        x.nrows(),
                        self.size()
                    )));
                }
                Ok(self.kmeans.fit(&x)?)
            })
            .collect::<Result<_>>()?;
        Ok(Codebooks {
            settings: self.clone(),
            speakers: names,
            models,
        })
    }
}

impl Codebooks {
    /// Average distortion of `clip` under every speaker's codebook.
    pub fn distortions(&self, clip: &Clip) -> Result<Vec<f64>> {
        let frames = Mfcc::new(self.settings.mfcc.clone())?.compute(&clip.audio, &clip.id)?;
        self.distortions_of(&frames)
    }

    fn distortions_of(&self, frames: &Array2<f32>) -> Result<Vec<f64>> {
        self.models
            .iter()
            .map(|m| {
                let (_, d) = m.assign(frames.into())?;
                Ok(d.iter().map(|&v| v as f64).sum::<f64>() / d.len() as f64)
            })
            .collect()
    }

    /// The speaker of `clip`: least average distortion.
    pub fn identify(&self, clip: &Clip) -> Result<Identification> {
        let distortions = self.distortions(clip)?;
        Ok(Identification {
            speaker: argmin(&distortions),
            distortions,
        })
    }

    /// [`Codebooks::identify`] for many clips, in parallel.
    pub fn identify_all(&self, clips: &[Clip]) -> Result<Vec<Identification>> {
        let mfcc = Mfcc::new(self.settings.mfcc.clone())?;
        clips
            .par_iter()
            .map(|c| {
                let distortions = self.distortions_of(&mfcc.compute(&c.audio, &c.id)?)?;
                Ok(Identification {
                    speaker: argmin(&distortions),
                    distortions,
                })
            })
            .collect()
    }

    /// The codebooks as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("codebooks always serialise")
    }

    /// Codebooks written by [`Codebooks::to_json`].
    pub fn from_json(text: &str) -> Result<Self> {
        let books: Codebooks =
            serde_json::from_str(text).map_err(|e| SpeechError::BadState(e.to_string()))?;
        if books.speakers.len() != books.models.len() || books.speakers.is_empty() {
            return Err(SpeechError::BadState(
                "one codebook per speaker expected".into(),
            ));
        }
        Mfcc::new(books.settings.mfcc.clone())?;
        Ok(books)
    }
}

fn argmin(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// Fraction of positions where `pred` equals `truth`.
pub fn accuracy<T: PartialEq>(truth: &[T], pred: &[T]) -> Result<f64> {
    if truth.len() != pred.len() || truth.is_empty() {
        return Err(SpeechError::BadInput(format!(
            "accuracy needs two equally long, non-empty label lists ({} vs {})",
            truth.len(),
            pred.len()
        )));
    }
    Ok(truth.iter().zip(pred).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64)
}
