//! # kmkit (the app's library)
//!
//! The logic behind the `kmkit` command that tests call directly: the
//! bundled [`datasets`], [`anomaly`] scoring (distance to the nearest
//! centroid, thresholds, ROC AUC), and [`describe`], which puts centroids in
//! words, and [`out_of_core`], the `fit --memory-limit` path over files
//! larger than memory. The binary (`src/main.rs`) is the glue: parse arguments, read,
//! fit, print, write.
#![deny(missing_docs)]

pub mod anomaly;
pub mod datasets;
pub mod describe;
pub mod out_of_core;
pub mod recommend;
