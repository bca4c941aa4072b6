//! # kmkit-speech
//!
//! Turns WAV recordings into what k-means clusters: MFCC frames, speech
//! segments, and one vector per clip or segment. It reads PCM (8/16/24/32-bit
//! integer, 32-bit float, any channel count and rate) with `hound`, computes
//! MFCCs on `realfft` (framing, pre-emphasis, windows, power spectrum, mel
//! bank, log, DCT-II, lifter, CMVN, deltas), splits recordings at silences,
//! and builds vector-quantisation speaker codebooks.
//!
//! Principal types: [`MfccSettings`] (every choice of the transform, with the
//! [`MfccSettings::librosa`] and [`MfccSettings::speech`] presets) and the
//! [`Mfcc`] transform it validates into; [`Clip`] (a file or a segment);
//! [`EmbeddingSettings`] → [`FittedEmbedding`] (clip vectors as
//! `kmkit_core::Features`, plus the state `predict` needs); [`VadSettings`]
//! and [`split`]; [`CodebookSettings`] → [`Codebooks`].
//!
//! **Key design decision:** the `librosa` preset reproduces
//! `librosa.feature.mfcc` number for number (same framing, window, mel
//! triangles, dB scaling and DCT), and every setting is plain serialisable
//! data, so a saved model repeats its transform exactly on new audio. No
//! clustering happens here: codebooks and clusters come from `kmkit-core`.
//!
//! ```
//! use kmkit_speech::{Audio, Clip, EmbeddingSettings, Mfcc, MfccSettings};
//!
//! // Two short tones and a noise burst at 8 kHz.
//! let tone = |f: f32| Audio::new((0..4000).map(|i| (i as f32 * f / 8000.0 * 6.283).sin() * 0.3).collect(), 8000);
//! let frames = Mfcc::new(MfccSettings::librosa())?.compute(&tone(440.0), "a")?;
//! assert_eq!(frames.dim(), (8, 20)); // 1 + 4000 / 512 frames, 20 coefficients
//!
//! let clips = vec![Clip::new("a", tone(440.0)), Clip::new("b", tone(1200.0)), Clip::new("c", tone(450.0))];
//! let (fitted, features) = EmbeddingSettings::default().fit(&clips)?;
//! assert_eq!(features.n_rows(), 3);
//! assert_eq!(features.n_cols(), 40); // mean and std of 20 MFCCs
//! assert_eq!(fitted.transform(&clips)?, features);
//! # Ok::<(), kmkit_speech::SpeechError>(())
//! ```
#![deny(missing_docs)]

mod audio;
mod clip;
mod codebook;
mod delta;
mod embed;
mod error;
mod mel;
mod mfcc;
mod settings;
mod vad;
mod window;

pub use audio::{load, read_wav, read_wav_bytes, Audio, MAX_SAMPLE_RATE, SILENCE};
pub use clip::{find_wavs, load_clips, screen, split_clips, Clip, Dropped, Screened, SplitClips};
pub use codebook::{accuracy, CodebookSettings, Codebooks, Identification};
pub use delta::delta;
pub use embed::{frame_statistics, EmbeddingSettings, FittedEmbedding};
pub use error::{Result, SpeechError};
pub use kmkit_core::budget::{read_budget, set_read_budget};
pub use mel::{hz_to_mel, mel_filterbank, mel_frequencies, mel_to_hz};
pub use mfcc::{preemphasis, Mfcc};
pub use settings::{
    Cmvn, Framing, Geometry, Length, LogScale, MelNorm, MelScale, MfccSettings, Spectrum, Window,
};
pub use vad::{split, Segment, VadSettings};
pub use window::window;
