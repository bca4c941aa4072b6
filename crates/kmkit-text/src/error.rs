//! The one error type of the crate: a variant per failure a user can cause.

use std::path::PathBuf;

use kmkit_core::KMeansError;
use thiserror::Error;

/// Everything that can go wrong in `kmkit-text`. Messages say what to do.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TextError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file would need more memory than the read budget allows (see
    /// [`crate::set_read_budget`]): refused before it is held.
    #[error("{}: {message}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// How much it needs and how much there is.
        message: String,
    },
    /// A CSV or JSONL file is malformed.
    #[error("{}, line {line}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line (or record) number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The text column or field is not in the file.
    #[error("{}: no column {column:?}; the file has {available}", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The columns there are, comma-separated.
        available: String,
    },
    /// A folder holds no `.txt` files, or a file holds no documents.
    #[error("no documents found in {}: give a folder of .txt files, a file with one document per line, or a CSV/JSONL file with a text column", path.display())]
    NoDocumentsFound {
        /// Where we looked.
        path: PathBuf,
    },
    /// An empty list of documents was passed to `fit`.
    #[error("no documents were given: fit needs at least one document")]
    NoDocuments,
    /// No document has a single token once tokenized and stop words removed.
    #[error(
        "empty vocabulary: all {n_docs} documents are empty or contain only stop words \
         (tokens are runs of at least 2 letters, digits or underscores); check the input and the stop-word list"
    )]
    EmptyVocabulary {
        /// Documents given.
        n_docs: usize,
    },
    /// Every term was removed by `min_df`, `max_df` or `max_features`.
    #[error(
        "no terms remain after pruning {n_terms} terms with min_df = {min_df} and max_df = {max_df} \
         over {n_docs} documents: lower min_df or raise max_df"
    )]
    NoTermsAfterPruning {
        /// Distinct terms before pruning.
        n_terms: usize,
        /// `min_df` as given.
        min_df: String,
        /// `max_df` as given.
        max_df: String,
        /// Documents fitted.
        n_docs: usize,
    },
    /// `max_df` keeps fewer documents than `min_df` asks for.
    #[error(
        "max_df = {max_df} allows at most {max_count} documents per term but min_df = {min_df} asks for \
         at least {min_count}: raise max_df or lower min_df"
    )]
    DocFreqRange {
        /// `min_df` as given.
        min_df: String,
        /// `max_df` as given.
        max_df: String,
        /// `min_df` as a document count.
        min_count: f64,
        /// `max_df` as a document count.
        max_count: f64,
    },
    /// A parameter is out of its range.
    #[error("invalid parameter {name} = {value}: {expected}")]
    InvalidParam {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: String,
    },
    /// More clusters asked for than there are documents with any term.
    #[error(
        "k = {k} is larger than the number of documents with at least one vocabulary term \
         ({n_usable} of {n_docs}; the others have no term left after stop words and min_df/max_df pruning): lower k"
    )]
    TooFewDocuments {
        /// Clusters asked for.
        k: usize,
        /// Documents with a non-zero feature vector.
        n_usable: usize,
        /// Documents given.
        n_docs: usize,
    },
    /// Matrices or label lists that must agree in size do not.
    #[error("shape mismatch: {0}")]
    ShapeMismatch(String),
    /// The randomized SVD did not converge.
    #[error("the SVD for LSA did not converge: {0}; try fewer components")]
    Svd(String),
    /// A saved model could not be read.
    #[error("text model: {0}")]
    Model(String),
    /// An error from the k-means core (its message says what to do).
    #[error(transparent)]
    Core(#[from] KMeansError),
}

/// Result alias for the crate.
pub type Result<T, E = TextError> = std::result::Result<T, E>;

impl TextError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TextError::Io {
            path: path.into(),
            source,
        }
    }
    pub(crate) fn param(
        name: &'static str,
        value: impl ToString,
        expected: impl Into<String>,
    ) -> Self {
        TextError::InvalidParam {
            name,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}
