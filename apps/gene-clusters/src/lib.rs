//! # gene-clusters (the app's library)
//!
//! Expression matrices into sample subtypes or gene modules. The binary
//! (`src/main.rs`) parses arguments and writes outputs; what a test would
//! call lives here: the bundled datasets and [`input`] reading, the named
//! [`recipes`] (and `--transform` steps), the state saved in model.json and
//! the one [`model::features`] function fit and predict both build features
//! with, the choice of k with consensus clustering ([`select`]), the domain
//! tables ([`outputs`]: assignments, contingency, modules) and the report's
//! [`pictures`].
#![deny(missing_docs)]

pub mod input;
pub mod model;
pub mod outputs;
pub mod pictures;
pub mod recipes;
pub mod select;
