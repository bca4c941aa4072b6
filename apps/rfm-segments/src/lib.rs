//! # rfm-segments (the app's library)
//!
//! What the `rfm-segments` binary does that tests call directly: turning
//! command-line column mapping into a [`kmkit_rfm::TransactionFormat`]
//! ([`input`]), the tables it prints and writes ([`tables`]), and the domain
//! pictures of its report ([`pictures`]). The binary (`src/main.rs`) is the
//! glue: parse, read, clean, score, fit, print, write.
//!
//! **Key design decision:** `model.json` is a `kmkit_io::ModelFile` whose
//! state holds the transaction format, the snapshot, the log1p + scaling
//! and the quintile thresholds ([`RfmState`]), so `predict` reads new files
//! the same way and repeats every step of the fit.
#![deny(missing_docs)]

pub mod input;
pub mod pictures;
pub mod tables;

use kmkit_rfm::{BasketVocabulary, RfmPreprocess, TransactionFormat};
use serde::{Deserialize, Serialize};

/// Kind tag of segment model files.
pub const MODEL_KIND: &str = "rfm-segments";
/// Kind tag of basket model files.
pub const BASKET_MODEL_KIND: &str = "rfm-basket";

/// What a segment `model.json` stores beside the k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmState {
    /// How the fit files were read and cleaned.
    pub format: TransactionFormat,
    /// Snapshot, transform, thresholds and cluster names.
    pub rfm: RfmPreprocess,
}

/// What a basket `model.json` stores beside the k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasketState {
    /// How the fit files were read and cleaned.
    pub format: TransactionFormat,
    /// The product columns and basket settings.
    pub vocabulary: BasketVocabulary,
}
