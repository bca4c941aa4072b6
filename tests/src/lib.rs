//! Helpers shared by the end-to-end tests: fixture paths and dataset loaders.

pub mod data;
pub mod text;
