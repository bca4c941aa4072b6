//! The one error type of the crate: a variant per failure a user can cause.

use thiserror::Error;

/// Everything that can go wrong in `kmkit-rfm`. Messages say what to do.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RfmError {
    /// A file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The input would need more memory than the read budget allows
    /// (see [`crate::set_read_budget`]): refused before it is held.
    #[error("{path}: {message}")]
    TooLarge {
        /// The file.
        path: String,
        /// How much it needs and how much there is.
        message: String,
    },
    /// The input is not valid UTF-8 text (or not valid gzip).
    #[error("{0}: save the file as UTF-8 text (plain or gzip-compressed)")]
    Encoding(String),
    /// The input has no data rows at all.
    #[error("the input has no data rows: give a file with at least one transaction")]
    Empty,
    /// A column was named that the header does not have.
    #[error("column {name:?} is not in the header (columns: {available}): fix the column mapping")]
    MissingColumn {
        /// The column asked for.
        name: String,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// A column was asked for by name but the file has no header row.
    #[error("column {0:?} is given by name but the file has no header: give column numbers (0-based) or a file with a header")]
    NoHeader(String),
    /// A column index is beyond the width of the file.
    #[error("column {index} (0-based) is asked for but the first row has only {width} columns")]
    ColumnOutOfRange {
        /// The index asked for.
        index: usize,
        /// Columns in the first row.
        width: usize,
    },
    /// An explicit date format is not a valid chrono/strftime format.
    #[error("date format {0:?} is not a valid strftime format (e.g. \"%d/%m/%Y %H:%M\")")]
    BadDateFormat(String),
    /// Every row was dropped by cleaning.
    #[error("no transactions left after cleaning ({0}): check the column mapping and the cleaning rules")]
    NoTransactions(String),
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
    /// A value that log1p cannot take (below -1), e.g. a negative total.
    #[error("customer {customer}: {column} is {value}, which log1p cannot take: keep the default cleaning rules (they drop returns)")]
    NegativeValue {
        /// Customer id.
        customer: String,
        /// Column name.
        column: &'static str,
        /// The value.
        value: f64,
    },
    /// Basket mode needs a product column.
    #[error("basket mode needs a product column: map `product` (e.g. StockCode) in the transaction format")]
    NoProducts,
    /// Data given to a fitted transform does not match it.
    #[error("shape mismatch: {0}")]
    ShapeMismatch(String),
    /// A saved model could not be read.
    #[error("model: {0}")]
    Model(String),
    /// The k-means core refused the features.
    #[error(transparent)]
    Core(#[from] kmkit_core::KMeansError),
}

/// Result alias for the crate.
pub type Result<T, E = RfmError> = std::result::Result<T, E>;
