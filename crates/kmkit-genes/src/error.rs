//! The one error type of the crate: a variant per failure a user can cause.

use thiserror::Error;

/// Everything that can go wrong in `kmkit-genes`. Messages say what to do.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GenesError {
    /// A file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The input is not UTF-8 text, not valid gzip, or not valid CSV.
    #[error("{0}")]
    Format(String),
    /// A cell is neither a number nor a missing-value marker.
    #[error("{file}: line {line}, column {column:?}: {value:?} is not a number: fix the cell, or mark it missing (empty, NA, NaN)")]
    NonNumeric {
        /// File (or "input").
        file: String,
        /// 1-based line.
        line: u64,
        /// Column header (or number).
        column: String,
        /// The cell.
        value: String,
    },
    /// Missing values under the `error` policy.
    #[error("{cells} missing values in {genes} genes (first: gene {first_gene:?}, sample {first_sample:?}): choose --missing drop-gene or impute-row-mean")]
    Missing {
        /// Missing cells.
        cells: usize,
        /// Genes with at least one.
        genes: usize,
        /// First gene with one.
        first_gene: String,
        /// Its first sample with one.
        first_sample: String,
    },
    /// Two genes or samples share an id.
    #[error("{what} id {id:?} appears {count} times: make ids unique (duplicates = make-unique appends -1, -2, … as anndata)")]
    DuplicateId {
        /// "gene" or "sample".
        what: &'static str,
        /// The id.
        id: String,
        /// How often.
        count: usize,
    },
    /// The matrix has no samples or no genes (after reading or filtering).
    #[error("{0}")]
    Empty(String),
    /// Rows of the table have different widths.
    #[error("line {line} has {found} fields, the header has {expected}: fix the row or the delimiter")]
    Ragged {
        /// 1-based line.
        line: u64,
        /// Fields found.
        found: usize,
        /// Fields expected.
        expected: usize,
    },
    /// Labels could not be joined to the samples.
    #[error("labels: {0}")]
    Labels(String),
    /// A transform cannot be applied to these values.
    #[error("transform {step}: {message}")]
    Transform {
        /// The step.
        step: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// A parameter is out of its range.
    #[error("invalid parameter {name} = {value}: {expected}")]
    InvalidParam {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// Data given to a fitted pipeline does not match it.
    #[error("shape mismatch: {0}")]
    ShapeMismatch(String),
    /// A saved pipeline could not be read.
    #[error("model: {0}")]
    Model(String),
    /// The k-means core refused the features.
    #[error(transparent)]
    Core(#[from] kmkit_core::KMeansError),
}

/// Result alias for the crate.
pub type Result<T, E = GenesError> = std::result::Result<T, E>;
