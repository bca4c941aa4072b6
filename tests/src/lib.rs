//! Helpers shared by the end-to-end tests: fixture paths, dataset loaders,
//! synthetic data.

pub mod apps;
pub mod blobs;
pub mod data;
pub mod text;
