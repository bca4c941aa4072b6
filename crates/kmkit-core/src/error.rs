//! The one error type of the core: a variant per failure a caller can cause.

use thiserror::Error;

/// Everything that can go wrong in `kmkit-core`. Messages say what to do.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum KMeansError {
    /// The input has no rows.
    #[error("the input has no rows: give at least one sample")]
    NoRows,
    /// The input has no columns.
    #[error("the input has no columns: give at least one feature")]
    NoColumns,
    /// A value is NaN or infinite.
    #[error("row {row}, column {col} is {value}: remove or impute non-finite values first")]
    NonFinite {
        /// Row of the offending value.
        row: usize,
        /// Column of the offending value.
        col: usize,
        /// The value, as text (NaN, inf, -inf).
        value: String,
    },
    /// A parameter is out of its range.
    #[error("invalid parameter {name} = {value}: {expected}")]
    InvalidParam {
        /// Parameter name, as in the builder.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// More clusters asked for than there are samples.
    #[error("n_clusters = {k} is larger than the number of samples ({n}): lower k")]
    TooManyClusters {
        /// Clusters asked for.
        k: usize,
        /// Samples available.
        n: usize,
    },
    /// Sample weights do not fit the data.
    #[error("sample weights: {0}")]
    BadWeights(String),
    /// A CSR matrix is malformed.
    #[error("malformed sparse matrix: {0}")]
    BadSparse(String),
    /// Shapes of two inputs disagree (e.g. predict on data of another width).
    #[error("shape mismatch: {0}")]
    ShapeMismatch(String),
    /// Cosine metric on a row of zero norm.
    #[error("row {row} has zero norm, so it has no direction for the cosine metric: drop empty rows first")]
    ZeroNormRow {
        /// Index of the row.
        row: usize,
    },
    /// Given initial centroids do not fit.
    #[error("initial centroids: {0}")]
    BadInit(String),
    /// `KMKIT_SIMD` asked for an instruction set this CPU lacks, or an unknown name.
    #[error("KMKIT_SIMD={0}: {1}")]
    Simd(String, &'static str),
    /// A thread pool could not be built.
    #[error("could not start {0} worker threads")]
    Threads(usize),
    /// A model file could not be read or is from another format version.
    #[error("model: {0}")]
    Model(String),
    /// Label vectors of different lengths passed to a metric.
    #[error("metric: {0}")]
    Metric(String),
    /// An out-of-core source could not serve its rows (e.g. a file read failed).
    #[error("reading the data: {0}")]
    Source(String),
    /// An error raised by linfa's machinery (feature `linfa`), as its message.
    #[cfg(feature = "linfa")]
    #[error("linfa: {0}")]
    Linfa(String),
}

/// Result alias for the core.
pub type Result<T, E = KMeansError> = std::result::Result<T, E>;
