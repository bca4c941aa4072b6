//! # kmkit-core
//!
//! An exact, deterministic, SIMD-accelerated k-means engine: seeding
//! (greedy k-means++, k-means‖, random, given), Lloyd iterations, mini-batch
//! k-means, spherical (cosine) k-means, dense and CSR input with optional
//! sample weights, cluster-quality metrics, and choice of k.
//!
//! The principal types are [`KMeansParams`] (built by [`KMeans::params`]),
//! the fitted [`Model`], the input contract [`Features`] / [`Input`], and
//! [`PartialStats`], the associative per-slice statistics one Lloyd step is
//! made of. [`MiniBatchKMeans`] fits large data in mini-batches and learns
//! from streams with `partial_fit`. [`KdTree`] runs exact weighted Lloyd
//! by kd-tree filtering on 1 to 4 coordinates (colour histograms), one tree
//! for many starts. With the `linfa` feature, the parameters
//! implement linfa's `Fit` and [`Model`] its `PredictInplace`.
//!
//! **Key design decision:** work is split into row groups fixed by the number
//! of rows alone and merged in group order, with all sums in f64, so the same
//! seed gives bit-identical labels and centroids on any number of threads.
//! The distance-argmin kernel ([`kernels`]) never materialises an n×k matrix.
//!
//! This crate does no file I/O and prints nothing.
//!
//! ```
//! use kmkit_core::{KMeans, metrics};
//! use ndarray::array;
//!
//! let x = array![[1.0f32, 1.0], [1.2, 0.8], [8.0, 8.0], [8.2, 7.9]];
//! let model = KMeans::params(2).seed(42).n_init(4).fit(&x)?;
//! let labels = model.labels();
//! assert_eq!(labels[0], labels[1]);
//! assert_ne!(labels[0], labels[2]);
//! assert_eq!(model.predict(&x)?, labels);
//! let ari = metrics::adjusted_rand_index(&[0, 0, 1, 1], labels)?;
//! assert!((ari - 1.0).abs() < 1e-12);
//! # Ok::<(), kmkit_core::KMeansError>(())
//! ```
#![deny(missing_docs)]

mod bounded;
pub mod budget;
mod chunked;
mod data;
pub mod distributed;
mod elkan;
mod error;
mod fit;
mod hamerly;
mod hartigan;
mod kdtree;
pub mod kernels;
#[cfg(feature = "linfa")]
mod linfa;
mod lloyd;
pub mod metrics;
mod minibatch;
mod model;
mod params;
mod points;
mod seeding;
pub mod select;
mod stats;
mod yinyang;

pub use chunked::{
    assign_chunks, chunk_seeds, fit_chunks, ArrayChunks, OutOfCore, RowChunks, SourceError,
    CHUNK_ALIGN,
};
pub use data::{Csr, Data, Features, Input, Matrix};
pub use error::{KMeansError, Result};
pub use fit::{init_centroids, KMeans};
pub use kdtree::{KdFit, KdTree};
pub use minibatch::{
    MiniBatchKMeans, MiniBatchParams, MiniBatchSettings, StreamState, ValidMiniBatchParams,
};
pub use model::{Model, MODEL_FORMAT_VERSION};
pub use params::{Algorithm, Init, KMeansParams, Metric, ValidParams};
pub use select::{gap_rule, knee, select_k, Criteria, GapScore, KScore, KSweep, Skipped};
pub use stats::{partial_stats, PartialStats};
