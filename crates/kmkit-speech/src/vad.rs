//! Energy-based voice activity detection, as `librosa.effects.split`:
//! frames whose RMS is more than `top_db` below the loudest frame's are
//! silence; the rest, merged into intervals, are speech. On top of librosa:
//! gaps shorter than `min_gap` are bridged and segments shorter than
//! `min_segment` dropped.

use serde::{Deserialize, Serialize};

use crate::audio::{Audio, SILENCE};
use crate::error::{Result, SpeechError};

/// Settings of [`split`]; the defaults are librosa's (top_db 60, frames of
/// 2048 samples every 512) with no minimum lengths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VadSettings {
    /// Threshold in dB below the loudest frame's RMS.
    pub top_db: f32,
    /// RMS frame length in samples (frames are centred, zero-padded).
    pub frame_length: usize,
    /// Hop between RMS frames in samples.
    pub hop_length: usize,
    /// Segments shorter than this many seconds (after bridging gaps) are dropped.
    pub min_segment: f64,
    /// Silences shorter than this many seconds between two segments are bridged.
    pub min_gap: f64,
}

impl Default for VadSettings {
    fn default() -> Self {
        VadSettings {
            top_db: 60.0,
            frame_length: 2048,
            hop_length: 512,
            min_segment: 0.0,
            min_gap: 0.0,
        }
    }
}

/// A stretch of speech: samples `start..end` of its clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

/// RMS at or below [`SILENCE`] (−100 dBFS) everywhere counts as digital
/// silence. librosa would call such a clip all speech (its dB are relative to
/// a zero peak).
const SILENT_RMS: f64 = SILENCE as f64;

/// Speech segments of `audio`, in order. A silent clip has none.
pub fn split(audio: &Audio, settings: &VadSettings, id: &str) -> Result<Vec<Segment>> {
    check(settings)?;
    audio.validate(id)?;
    let y = &audio.samples;
    let n = y.len();
    let (fl, hop) = (settings.frame_length, settings.hop_length);
    let pad = fl / 2;
    // librosa.feature.rms(center=True, pad_mode="constant").
    let n_frames = 1 + (n + 2 * pad - fl) / hop;
    let rms: Vec<f64> = (0..n_frames)
        .map(|t| {
            let lo = (t * hop).saturating_sub(pad);
            let hi = (t * hop + fl).saturating_sub(pad).min(n);
            let energy: f64 = y[lo.min(hi)..hi]
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum();
            (energy / fl as f64).sqrt()
        })
        .collect();
    let peak = rms.iter().cloned().fold(0.0, f64::max);
    if peak <= SILENT_RMS {
        return Ok(Vec::new());
    }
    // amplitude_to_db(rms, ref=max): 10·log10(max(1e-10, rms²) / max(1e-10, peak²)).
    let peak_db = 10.0 * (peak * peak).max(1e-10).log10();
    let voiced: Vec<bool> = rms
        .iter()
        .map(|r| 10.0 * (r * r).max(1e-10).log10() - peak_db > -settings.top_db as f64)
        .collect();

    let mut segments: Vec<Segment> = Vec::new();
    let mut t = 0;
    while t < n_frames {
        if voiced[t] {
            let start = t;
            while t < n_frames && voiced[t] {
                t += 1;
            }
            segments.push(Segment {
                start: (start * hop).min(n),
                end: (t * hop).min(n),
            });
        } else {
            t += 1;
        }
    }
    let sr = audio.sample_rate as f64;
    let min_gap = (settings.min_gap * sr).round() as usize;
    let mut merged: Vec<Segment> = Vec::with_capacity(segments.len());
    for seg in segments {
        match merged.last_mut() {
            Some(last) if seg.start.saturating_sub(last.end) < min_gap => last.end = seg.end,
            _ => merged.push(seg),
        }
    }
    let min_len = (settings.min_segment * sr).round() as usize;
    merged.retain(|s| s.end > s.start && s.end - s.start >= min_len);
    Ok(merged)
}

fn check(s: &VadSettings) -> Result<()> {
    let invalid = |name, value: String, expected: &str| {
        Err(SpeechError::InvalidSetting {
            name,
            value,
            expected: expected.to_string(),
        })
    };
    if !(s.top_db > 0.0 && s.top_db.is_finite()) {
        return invalid("top_db", s.top_db.to_string(), "a positive number of dB");
    }
    if s.frame_length == 0 || s.hop_length == 0 {
        return invalid(
            "frame_length/hop_length",
            format!("{}/{}", s.frame_length, s.hop_length),
            "positive sample counts",
        );
    }
    if !(s.min_segment >= 0.0 && s.min_segment.is_finite()) {
        return invalid("min_segment", s.min_segment.to_string(), "seconds ≥ 0");
    }
    if !(s.min_gap >= 0.0 && s.min_gap.is_finite()) {
        return invalid("min_gap", s.min_gap.to_string(), "seconds ≥ 0");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0.5 s silence, 1 s tone, 0.1 s silence, 0.5 s tone, 0.5 s silence at 8 kHz.
    fn bursts() -> Audio {
        let sr = 8000;
        let mut y = vec![0f32; 4000];
        y.extend((0..8000).map(|i| (i as f32 * 0.3).sin() * 0.5));
        y.extend(vec![0f32; 800]);
        y.extend((0..4000).map(|i| (i as f32 * 0.2).sin() * 0.5));
        y.extend(vec![0f32; 4000]);
        Audio::new(y, sr)
    }

    #[test]
    fn finds_speech_and_honours_min_gap_and_min_segment() {
        let fine = VadSettings {
            frame_length: 256,
            hop_length: 64,
            ..VadSettings::default()
        };
        let segs = split(&bursts(), &fine, "b").unwrap();
        assert_eq!(segs.len(), 2, "{segs:?}");
        // Boundaries within a frame of the truth (4000..12000, 12800..16800).
        assert!(
            segs[0].start.abs_diff(4000) <= 256 && segs[0].end.abs_diff(12000) <= 256,
            "{segs:?}"
        );
        assert!(
            segs[1].start.abs_diff(12800) <= 256 && segs[1].end.abs_diff(16800) <= 256,
            "{segs:?}"
        );
        let bridged = split(
            &bursts(),
            &VadSettings {
                min_gap: 0.2,
                ..fine.clone()
            },
            "b",
        )
        .unwrap();
        assert_eq!(bridged.len(), 1);
        let long_only = split(
            &bursts(),
            &VadSettings {
                min_segment: 0.7,
                ..fine
            },
            "b",
        )
        .unwrap();
        assert_eq!(long_only.len(), 1);
        assert!(long_only[0].end <= 12256);
    }

    #[test]
    fn silence_has_no_segments_and_bad_settings_are_errors() {
        assert!(split(
            &Audio::new(vec![0.0; 10_000], 8000),
            &VadSettings::default(),
            "s"
        )
        .unwrap()
        .is_empty());
        assert!(split(&Audio::new(vec![], 8000), &VadSettings::default(), "e").is_err());
        let one = split(&Audio::new(vec![0.5], 8000), &VadSettings::default(), "o").unwrap();
        assert_eq!(one, vec![Segment { start: 0, end: 1 }]);
        let bad = VadSettings {
            hop_length: 0,
            ..VadSettings::default()
        };
        assert!(matches!(
            split(&bursts(), &bad, "b"),
            Err(SpeechError::InvalidSetting { .. })
        ));
    }
}
