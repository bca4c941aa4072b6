//! The one error type of kmkit-speech: a variant per failure a caller can cause.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in `kmkit-speech`. Messages name the file
/// (or clip) and say what to do.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SpeechError {
    /// The file could not be opened or read.
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The input would need more memory than the read budget allows (see
    /// [`crate::set_read_budget`]): refused before it is held.
    #[error("{}: {message}", path.display())]
    TooLarge {
        /// The file (or folder).
        path: PathBuf,
        /// How much it needs and how much there is.
        message: String,
    },
    /// The file is not a readable WAV file (bad header, truncated data…).
    #[error("{}: not a valid WAV file ({reason}); check the file is complete and really WAV", path.display())]
    BadWav {
        /// The file.
        path: PathBuf,
        /// What the decoder found.
        reason: String,
    },
    /// A WAV encoding this crate does not read.
    #[error("{}: unsupported WAV encoding ({what}); convert it to 8/16/24/32-bit PCM or 32-bit float", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The encoding found.
        what: String,
    },
    /// A clip with no samples at all.
    #[error("{id}: the audio has no samples; drop zero-length files")]
    Empty {
        /// File name or clip id.
        id: String,
    },
    /// A sample is NaN or infinite (only possible in float WAV files).
    #[error("{id}: sample {index} is {value}; the audio must be finite")]
    NonFinite {
        /// File name or clip id.
        id: String,
        /// Index of the sample.
        index: usize,
        /// The value, as text.
        value: String,
    },
    /// A sample far beyond full scale (only possible in float WAV files): the
    /// file is damaged, and the FFTs of such values overflow.
    #[error("{id}: sample {index} is {value}, far beyond full scale (±1); the audio is damaged")]
    OutOfRange {
        /// File name or clip id.
        id: String,
        /// Index of the sample.
        index: usize,
        /// The value, as text.
        value: String,
    },
    /// A clip too short to give one analysis frame.
    #[error("{id}: {n_samples} samples is shorter than one {needed}-sample frame; use centred framing or drop the clip")]
    TooShort {
        /// File name or clip id.
        id: String,
        /// Samples in the clip.
        n_samples: usize,
        /// Samples a frame needs.
        needed: usize,
    },
    /// A setting is out of range or inconsistent with the audio.
    #[error("invalid setting {name} = {value}: {expected}")]
    InvalidSetting {
        /// Field name, as in the settings struct.
        name: &'static str,
        /// The value given (or derived for this sample rate).
        value: String,
        /// What is allowed.
        expected: String,
    },
    /// Resampling failed.
    #[error("{id}: resampling from {from} Hz to {to} Hz failed: {reason}")]
    Resample {
        /// File name or clip id.
        id: String,
        /// Source rate.
        from: u32,
        /// Target rate.
        to: u32,
        /// What the resampler said.
        reason: String,
    },
    /// Input collections that do not fit together (no clips, mismatched lengths…).
    #[error("{0}")]
    BadInput(String),
    /// Saved state (JSON) that cannot be read back.
    #[error("cannot read saved speech state: {0}")]
    BadState(String),
    /// The clustering core refused the features.
    #[error(transparent)]
    Core(#[from] kmkit_core::KMeansError),
}

/// Result alias with [`SpeechError`].
pub type Result<T, E = SpeechError> = std::result::Result<T, E>;
