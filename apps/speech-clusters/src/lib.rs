//! # speech-clusters (the app's library)
//!
//! The logic behind the `speech-clusters` command that tests call directly:
//! reading a collection of WAV files and accounting for every file
//! ([`pipeline`]), labels read from file names for scoring ([`labels`]), the
//! per-cluster mean-MFCC picture ([`profile`]), and the VQ codebook mode's
//! hold-out split and model file ([`codebook`]). Features, segments and
//! codebooks themselves come from `kmkit-speech`; clusters from `kmkit-core`.
//! The binary (`src/main.rs`) is the glue: parse, prepare, fit, print, write.
#![deny(missing_docs)]

pub mod codebook;
pub mod labels;
pub mod pipeline;
pub mod profile;

use std::path::PathBuf;

/// The bundled default input: 2,000 recordings of spoken digits by four
/// speakers from the Free Spoken Digit Dataset (CC BY-SA 4.0).
#[derive(Debug, Clone, PartialEq)]
pub struct Bundled {
    /// The folder.
    pub path: PathBuf,
    /// One line about it.
    pub about: &'static str,
    /// Number of speakers: the default k.
    pub k: usize,
    /// Speaker from file name.
    pub labels: &'static str,
    /// The official test split, for the codebook mode.
    pub test_files: &'static str,
}

/// `datasets/speech/fsdd` with its presets.
pub fn bundled_fsdd() -> Bundled {
    Bundled {
        path: kmkit_cli::datasets_dir().join("speech/fsdd"),
        about: "Free Spoken Digit Dataset sample: 2,000 recordings (8 kHz) of the digits 0–9 by 4 speakers, 50 takes each (CC BY-SA 4.0)",
        k: 4,
        labels: labels::FSDD_SPEAKER,
        test_files: codebook::FSDD_TEST_TAKES,
    }
}
