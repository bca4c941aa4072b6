//! The one error type of kmkit-io: a variant per failure a user can cause.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong reading tables or writing results. Messages
/// name the file, and the line and column where there is one, and say what to do.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// A file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file or directory could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file holds no data at all.
    #[error("{}: the file is empty: give a table with at least one data row", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file has a header line and nothing else.
    #[error("{}: the file has a header line but no data rows", path.display())]
    HeaderOnly {
        /// The file.
        path: PathBuf,
    },
    /// A row has a different number of fields from the rows before it.
    #[error(
        "{}, line {line}: {found} fields, but line {expected_line} has {expected}: every row needs the same \
         number of fields (quote fields that contain the delimiter, or pass --delimiter)",
        path.display()
    )]
    Ragged {
        /// The file.
        path: PathBuf,
        /// Line of the offending row (1-based).
        line: u64,
        /// Fields on that row.
        found: usize,
        /// Fields expected.
        expected: usize,
        /// The line that set the expectation.
        expected_line: u64,
    },
    /// A cell of a column used as numeric is not a number.
    #[error(
        "{}, line {line}, column {column:?}: {value:?} is not a number: fix the cell, pass --categorical {column} \
         to one-hot encode the column, or --drop {column} to leave it out",
        path.display()
    )]
    NonNumeric {
        /// The file.
        path: PathBuf,
        /// Line of the cell (1-based; 0 when the source has no lines).
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A cell is missing and the missing-value policy is `error`.
    #[error(
        "{}, line {line}, column {column:?}: missing value: pass --missing drop to drop such rows \
         or --missing impute-mean to fill them",
        path.display()
    )]
    Missing {
        /// The file.
        path: PathBuf,
        /// Line of the cell (1-based).
        line: u64,
        /// Column name.
        column: String,
    },
    /// The CSV parser rejected the file (e.g. invalid UTF-8).
    #[error("{}, line {line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// Line where parsing failed.
        line: u64,
        /// The parser's reason.
        message: String,
    },
    /// A column named on the command line does not exist.
    #[error("no column {name:?} in {}: the columns are {available}", path.display())]
    UnknownColumn {
        /// The table.
        path: PathBuf,
        /// The name or 1-based number asked for.
        name: String,
        /// The columns the table has.
        available: String,
    },
    /// After leaving out the id, label and dropped columns nothing is left.
    #[error("{}: no feature columns are left: select columns with --columns", path.display())]
    NoFeatures {
        /// The table.
        path: PathBuf,
    },
    /// `--missing drop` removed every row.
    #[error("{}: every row has a missing value, so --missing drop leaves nothing: try --missing impute-mean", path.display())]
    AllRowsDropped {
        /// The table.
        path: PathBuf,
    },
    /// A binary matrix file (.npy, .fvecs, .fbin) is malformed or unsupported.
    #[error("{}: {message}", path.display())]
    Matrix {
        /// The file.
        path: PathBuf,
        /// What is wrong and what is supported.
        message: String,
    },
    /// Reading the file would need more memory than is available; refused
    /// before allocating (see [`crate::memory`]).
    #[error("{}: {message}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// How much it needs, how much there is, and what to do instead.
        message: String,
    },
    /// A model file is malformed, of another kind, or of another version.
    #[error("model file {}: {message}", path.display())]
    Model {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An option value is invalid (e.g. an unknown scaling name).
    #[error("{0}")]
    Config(String),
}

/// Result alias for kmkit-io.
pub type Result<T, E = IoError> = std::result::Result<T, E>;
