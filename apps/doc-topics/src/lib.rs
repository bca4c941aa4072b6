//! # doc-topics
//!
//! The library half of the `doc-topics` app: reading documents from folders,
//! line files, CSV and JSONL ([`input`]); the text options ([`text_args`]);
//! fitting topics with a fixed or chosen k and repeating the fit over seeds
//! ([`fit`]); the result files and tables ([`outputs`]), the model file
//! ([`model_file`]) and the report's topic picture ([`picture`]). The
//! featurizing, clustering and topic words themselves are `kmkit-text`'s and
//! `kmkit-core`'s; this crate only glues them to files and the command line.
#![deny(missing_docs)]

pub mod fit;
pub mod input;
pub mod model_file;
pub mod outputs;
pub mod picture;
pub mod text_args;
