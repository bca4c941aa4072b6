//! From files to analysable clips: find the WAV files, read them, leave out
//! (and count) what cannot be analysed, optionally cut recordings into speech
//! segments. The fitted [`SpeechPipeline`] is what `model.json` keeps, so
//! `predict` repeats every step.

use std::path::{Path, PathBuf};

use kmkit_speech::{
    find_wavs, load_clips, screen, split_clips, Clip, Dropped, EmbeddingSettings, FittedEmbedding,
    Mfcc, MfccSettings, VadSettings,
};
use serde::{Deserialize, Serialize};

use crate::labels::LabelPattern;

/// Kind tag of cluster model files.
pub const MODEL_KIND: &str = "speech-clusters";

/// The fitted transform of a cluster run: everything `predict` needs to turn
/// new files into the same kind of vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeechPipeline {
    /// Clip embedding (MFCC settings and the collection's column statistics).
    pub embedding: FittedEmbedding,
    /// Voice activity detection, when recordings were cut into segments.
    pub segment: Option<VadSettings>,
    /// The file-name pattern labels were read with, if any.
    pub labels: Option<LabelPattern>,
}

/// Clips ready to embed, and an account of every file.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// WAV files found.
    pub n_files: usize,
    /// Clips to analyse (whole files, or speech segments), in file order.
    pub clips: Vec<Clip>,
    /// Files or segments left out, with the reason.
    pub dropped: Vec<Dropped>,
    /// Kept clips with over 1 % of samples at full scale.
    pub clipped: Vec<(String, f64)>,
}

/// The WAV files under `inputs` (files as given, folders searched
/// recursively); an error when there are none.
pub fn wav_files(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let files = find_wavs(inputs).map_err(one_line)?;
    if files.is_empty() {
        let shown: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        anyhow::bail!(
            "no .wav files in {}: give WAV files or folders that contain them",
            shown.join(", ")
        );
    }
    Ok(files)
}

/// Reads `files` and sorts them into clips `mfcc` can analyse; with
/// `segment`, cuts each recording into speech segments first (recordings
/// with no speech are dropped). A file that is not readable WAV is an error
/// naming it; empty, silent, too-short or non-finite audio is dropped with a
/// reason.
pub fn prepare(
    files: &[PathBuf],
    mfcc: &MfccSettings,
    segment: Option<&VadSettings>,
) -> anyhow::Result<Prepared> {
    let mfcc = Mfcc::new(mfcc.clone())?;
    let clips = load_clips(files, None).map_err(one_line)?;
    let mut screened = screen(clips, &mfcc);
    if let Some(vad) = segment {
        let split = split_clips(&screened.kept, vad)?;
        let sources: Vec<(String, PathBuf)> = screened
            .kept
            .iter()
            .map(|c| (c.id.clone(), c.source.clone()))
            .collect();
        for id in split.silent {
            let source = sources
                .iter()
                .find(|(i, _)| *i == id)
                .map_or_else(|| PathBuf::from(&id), |(_, s)| s.clone());
            screened.dropped.push(Dropped {
                id,
                source,
                reason: format!(
                    "no speech segment found ({} dB below the peak, segments of at least {} s)",
                    vad.top_db, vad.min_segment
                ),
            });
        }
        let segments = screen(split.segments, &mfcc);
        screened.dropped.extend(segments.dropped);
        screened.kept = segments.kept;
    }
    if screened.kept.is_empty() {
        let reasons: Vec<String> = screened
            .dropped
            .iter()
            .take(3)
            .map(|d| format!("{}: {}", d.id, d.reason))
            .collect();
        anyhow::bail!(
            "no clip left to analyse: all {} files were dropped ({}{})",
            files.len(),
            reasons.join("; "),
            if screened.dropped.len() > 3 {
                "; …"
            } else {
                ""
            }
        );
    }
    Ok(Prepared {
        n_files: files.len(),
        clips: screened.kept,
        dropped: screened.dropped,
        clipped: screened.clipped,
    })
}

/// The error as one message: kmkit-speech's I/O errors already quote their
/// cause, which anyhow's chain would print a second time.
fn one_line(e: kmkit_speech::SpeechError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Label of each clip from its source file's name (`None` without a pattern).
pub fn clip_labels(clips: &[Clip], pattern: Option<&LabelPattern>) -> Vec<Option<String>> {
    clips
        .iter()
        .map(|c| pattern.and_then(|p| p.label(&file_name(&c.source))))
        .collect()
}

/// The last component of `path`, as text.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The clip embedding the app uses unless told otherwise:
/// [`EmbeddingSettings::default`] (mean and std of 20 MFCCs on 25 ms / 10 ms frames).
pub fn default_embedding() -> EmbeddingSettings {
    EmbeddingSettings::default()
}
