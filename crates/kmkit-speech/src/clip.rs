//! Collections of clips: finding and loading WAV files (in parallel), and
//! splitting clips into speech segments that are clips themselves.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audio::{load, Audio};
use crate::error::{Result, SpeechError};
use crate::mfcc::Mfcc;
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
        Clip {
            source: PathBuf::from(&id),
            id,
            offset: 0,
            audio,
        }
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
        let meta = std::fs::metadata(p).map_err(|source| SpeechError::Io {
            path: p.clone(),
            source,
        })?;
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
    let entries = std::fs::read_dir(dir).map_err(|source| SpeechError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| SpeechError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads every file as a clip (id = file name), in parallel, resampling to
/// `target_rate` when given. The first failing file (in `paths` order) is the error.
pub fn load_clips(paths: &[PathBuf], target_rate: Option<u32>) -> Result<Vec<Clip>> {
    // All files are held at once: refuse a set larger than the read budget
    // from the sizes alone, before any is read.
    let mut total = 0u64;
    for path in paths.iter().filter(|_| paths.len() > 1) {
        let len = std::fs::metadata(path).map_or(0, |m| m.len());
        total = total.saturating_add(len);
    }
    if let Some(message) =
        kmkit_core::budget::file_too_large(total, kmkit_core::budget::read_budget())
    {
        let folder = paths
            .first()
            .and_then(|p| p.parent())
            .unwrap_or(Path::new("."));
        return Err(SpeechError::TooLarge {
            path: folder.to_path_buf(),
            message: format!(
                "{} WAV files: {}",
                paths.len(),
                message.replacen("the file", "them", 1)
            ),
        });
    }
    paths
        .par_iter()
        .map(|path| {
            let audio = load(path, target_rate)?;
            let id = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            Ok(Clip {
                id,
                source: path.clone(),
                offset: 0,
                audio,
            })
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
                    audio: Audio::new(
                        clip.audio.samples[s.start..s.end].to_vec(),
                        clip.audio.sample_rate,
                    ),
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let mut out = SplitClips {
        segments: Vec::new(),
        silent: Vec::new(),
    };
    for (clip, segs) in clips.iter().zip(per_clip) {
        if segs.is_empty() {
            out.silent.push(clip.id.clone());
        }
        out.segments.extend(segs);
    }
    Ok(out)
}

/// A clip left out of an analysis, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// The clip's id (file name, or `file#n` for a segment).
    pub id: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Why, in words.
    pub reason: String,
}

/// Clips sorted into those a transform can analyse and those it cannot.
#[derive(Debug, Clone, PartialEq)]
pub struct Screened {
    /// Clips to analyse, in input order.
    pub kept: Vec<Clip>,
    /// Clips left out, in input order, each with its reason.
    pub dropped: Vec<Dropped>,
    /// Kept clips with more than 1 % of their samples at full scale, and that fraction.
    pub clipped: Vec<(String, f64)>,
}

/// Sorts `clips` for `mfcc`: zero-length clips, clips with NaN or infinite
/// samples, digital silence (nothing above [`crate::SILENCE`]: no voice to
/// describe) and clips shorter than one analysis frame are dropped with a
/// reason; clipped audio is kept and listed. Every clip ends up in exactly
/// one of `kept` and `dropped`.
pub fn screen(clips: Vec<Clip>, mfcc: &Mfcc) -> Screened {
    let mut out = Screened {
        kept: Vec::with_capacity(clips.len()),
        dropped: Vec::new(),
        clipped: Vec::new(),
    };
    for clip in clips {
        let reason = match clip.audio.validate(&clip.id) {
            Err(SpeechError::Empty { .. }) => Some("no samples (zero-length audio)".to_string()),
            Err(e) => Some(e.to_string()),
            Ok(()) if clip.audio.is_silent() => {
                Some("silent: no sample above -100 dBFS, nothing to describe".to_string())
            }
            Ok(()) => match mfcc.n_frames(clip.audio.samples.len(), clip.audio.sample_rate) {
                Ok(0) => Some(format!(
                    "{} samples, shorter than one analysis frame",
                    clip.audio.samples.len()
                )),
                Ok(_) => None,
                Err(e) => Some(e.to_string()),
            },
        };
        match reason {
            Some(reason) => out.dropped.push(Dropped {
                id: clip.id,
                source: clip.source,
                reason,
            }),
            None => {
                let clipped = clip.audio.clipped_fraction();
                if clipped > 0.01 {
                    out.clipped.push((clip.id.clone(), clipped));
                }
                out.kept.push(clip);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::MfccSettings;

    #[test]
    fn screen_drops_empty_silent_short_and_non_finite_clips_and_lists_clipping() {
        let tone: Vec<f32> = (0..4000).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
        let clips = vec![
            Clip::new("tone", Audio::new(tone.clone(), 8000)),
            Clip::new("empty", Audio::new(vec![], 8000)),
            Clip::new("silent", Audio::new(vec![0.0; 4000], 8000)),
            Clip::new("short", Audio::new(vec![0.3; 100], 8000)),
            Clip::new("nan", Audio::new(vec![0.1, f32::NAN], 8000)),
            Clip::new(
                "clipped",
                Audio::new(
                    tone.iter().map(|v| (v * 10.0).clamp(-1.0, 1.0)).collect(),
                    8000,
                ),
            ),
        ];
        // Snip-edges framing needs a whole 200-sample window at 8 kHz.
        let mfcc = Mfcc::new(MfccSettings::speech()).unwrap();
        let s = screen(clips, &mfcc);
        let kept: Vec<&str> = s.kept.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(kept, ["tone", "clipped"]);
        let reasons: Vec<(&str, &str)> = s
            .dropped
            .iter()
            .map(|d| (d.id.as_str(), d.reason.as_str()))
            .collect();
        assert_eq!(reasons[0], ("empty", "no samples (zero-length audio)"));
        assert!(reasons[1].1.starts_with("silent"), "{reasons:?}");
        assert!(
            reasons[2].1.contains("shorter than one analysis frame"),
            "{reasons:?}"
        );
        assert!(reasons[3].1.contains("NaN"), "{reasons:?}");
        assert_eq!(s.clipped.len(), 1);
        assert_eq!(s.clipped[0].0, "clipped");
        // Centred framing analyses any non-empty clip: the short one is kept.
        let lib = Mfcc::new(MfccSettings::librosa()).unwrap();
        let s = screen(vec![Clip::new("short", Audio::new(vec![0.3], 8000))], &lib);
        assert_eq!(s.kept.len(), 1);
    }
}
