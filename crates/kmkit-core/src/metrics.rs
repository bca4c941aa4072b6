//! Cluster-quality metrics (being written).

use crate::error::{KMeansError, Result};

/// Adjusted Rand index of two labelings (placeholder signature).
pub fn adjusted_rand_index(truth: &[u32], pred: &[u32]) -> Result<f64> {
    if truth.len() != pred.len() {
        return Err(KMeansError::Metric("length mismatch".into()));
    }
    Err(KMeansError::Metric("not yet".into()))
}
