//! # image-quantize (library part)
//!
//! What the `image-quantize` binary does, callable from tests: find the
//! input images ([`inputs`]), run each through decode → palette fit →
//! remap → encode with its quality metrics ([`job`]), and turn the results
//! into the table, CSV, model file, summary and report ([`outputs`]). The
//! binary parses arguments and writes the bytes (atomically, through
//! kmkit-io).
//!
//! The image maths are `kmkit-image`'s; the clustering is `kmkit-core`'s.
#![deny(missing_docs)]

pub mod inputs;
pub mod job;
pub mod outputs;
