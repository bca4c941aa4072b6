//! Collections of clips: finding and loading WAV files (in parallel), and
//! splitting clips into speech segments that are clips themselves.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audio::{load, Audio};
use crate::error::{Result, SpeechError};
use crate::vad::{split, VadSettings};

/// A piece of audio to embed or identify: a whole file or a segment of one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clip {
    /// Name of the clip: the file name, plus `#n` for the n-th segment.
    pub id: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Position of the clip's first sample in the source file.
    pub offset: usize,
    /// The samples.
    pub audio: Audio,
}

impl Clip {
    /// A clip from audio in memory.
    pub fn new(id: impl Into<String>, audio: Audio) -> Self {
        let id = id.into();
        Clip { source: PathBuf::from(&id), id, offset: 0, audio }
    }
    /// Start time in the source file, in seconds.
    pub fn start_seconds(&self) -> f64 {
        self.offset as f64 / self.audio.sample_rate.max(1) as f64
    }
    /// End time in the source file, in seconds.
    pub fn end_seconds(&self) -> f64 {
        self.start_seconds() + self.audio.duration()
    }
}

/// The WAV files named by `paths`: files as given, folders searched
/// recursively for `*.wav` (any case), each folder's files sorted by path.
pub fn find_wavs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| SpeechError::Io { path: p.clone(), source })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| SpeechError::Io { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let path = entry.map_err(|source| SpeechError::Io { path: dir.to_path_buf(), source })?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")) {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads every file as a clip (id = file name), in parallel, resampling to
/// `target_rate` when given. The first failing file (in `paths` order) is the error.
pub fn load_clips(paths: &[PathBuf], target_rate: Option<u32>) -> Result<Vec<Clip>> {
    paths
        .par_iter()
        .map(|path| {
            let audio = load(path, target_rate)?;
            let id = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
            Ok(Clip { id, source: path.clone(), offset: 0, audio })
        })
        .collect()
}

/// Clips cut into speech segments.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitClips {
    /// One clip per speech segment, in input order.
    pub segments: Vec<Clip>,
    /// Ids of the clips in which no speech was found (silent).
    pub silent: Vec<String>,
}

/// Cuts every clip into its speech segments ([`split`]); segment `n` of clip
/// `a.wav` is called `a.wav#n`.
pub fn split_clips(clips: &[Clip], settings: &VadSettings) -> Result<SplitClips> {
    let per_clip: Vec<Vec<Clip>> = clips
        .par_iter()
        .map(|clip| {
            let segments = split(&clip.audio, settings, &clip.id)?;
            Ok(segments
                .iter()
                .enumerate()
                .map(|(n, s)| Clip {
                    id: format!("{}#{n}", clip.id),
                    source: clip.source.clone(),
                    offset: clip.offset + s.start,
                    audio: Audio::new(clip.audio.samples[s.start..s.end].to_vec(), clip.audio.sample_rate),
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let mut out = SplitClips { segments: Vec::new(), silent: Vec::new() };
    for (clip, segs) in clips.iter().zip(per_clip) {
        if segs.is_empty() {
            out.silent.push(clip.id.clone());
        }
        out.segments.extend(segs);
    }
    Ok(out)
}
