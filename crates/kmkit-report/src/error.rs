//! The error type of kmkit-report.

use thiserror::Error;

/// What can go wrong building a report.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReportError {
    /// Nothing to plot or project.
    #[error("{0}")]
    Empty(String),
    /// Inputs of a plot disagree in length.
    #[error("{0}")]
    Mismatch(String),
    /// plotters failed to draw.
    #[error("drawing {plot}: {message}")]
    Draw {
        /// Which plot.
        plot: &'static str,
        /// plotters' reason.
        message: String,
    },
}

/// Result alias for kmkit-report.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
