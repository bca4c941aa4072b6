//! The expression matrix: samples × genes, with ids and optional labels.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{GenesError, Result};

/// An expression matrix, always stored samples × genes (rows are samples),
/// whatever the file's orientation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpressionMatrix {
    /// `n_samples × n_genes` values.
    pub values: Array2<f64>,
    /// One id per sample (row).
    pub sample_ids: Vec<String>,
    /// One id per gene (column).
    pub gene_ids: Vec<String>,
    /// Optional class label per sample (e.g. ALL/AML).
    pub labels: Option<Vec<String>>,
}

impl ExpressionMatrix {
    /// A matrix with checks: shapes agree, ids unique.
    pub fn new(values: Array2<f64>, sample_ids: Vec<String>, gene_ids: Vec<String>) -> Result<Self> {
        let (n, d) = values.dim();
        if sample_ids.len() != n || gene_ids.len() != d {
            return Err(GenesError::ShapeMismatch(format!(
                "{n}×{d} values with {} sample ids and {} gene ids",
                sample_ids.len(),
                gene_ids.len()
            )));
        }
        check_unique("sample", &sample_ids)?;
        check_unique("gene", &gene_ids)?;
        Ok(ExpressionMatrix { values, sample_ids, gene_ids, labels: None })
    }
    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.values.nrows()
    }
    /// Number of genes.
    pub fn n_genes(&self) -> usize {
        self.values.ncols()
    }
    /// Label codes 0.. in order of first appearance, with the names.
    pub fn label_codes(&self) -> Option<(Vec<u32>, Vec<String>)> {
        let labels = self.labels.as_ref()?;
        let mut names: Vec<String> = Vec::new();
        let codes = labels
            .iter()
            .map(|l| match names.iter().position(|n| n == l) {
                Some(i) => i as u32,
                None => {
                    names.push(l.clone());
                    (names.len() - 1) as u32
                }
            })
            .collect();
        Some((codes, names))
    }
    /// Samples appended below: same genes, in the same order.
    pub fn concat_samples(mut self, other: ExpressionMatrix) -> Result<Self> {
        if self.gene_ids != other.gene_ids {
            return Err(GenesError::ShapeMismatch("the two matrices have different genes".into()));
        }
        let values = ndarray::concatenate![ndarray::Axis(0), self.values, other.values];
        self.sample_ids.extend(other.sample_ids);
        check_unique("sample", &self.sample_ids)?;
        let labels = match (self.labels, other.labels) {
            (Some(mut a), Some(b)) => {
                a.extend(b);
                Some(a)
            }
            _ => None,
        };
        Ok(ExpressionMatrix { values, sample_ids: self.sample_ids, gene_ids: self.gene_ids, labels })
    }
    /// Joins labels by sample id; every sample must have one.
    pub fn join_labels(&mut self, labels: &[(String, String)]) -> Result<()> {
        let map: std::collections::HashMap<&str, &str> = labels.iter().map(|(s, l)| (s.as_str(), l.as_str())).collect();
        let missing: Vec<&str> = self.sample_ids.iter().filter(|s| !map.contains_key(s.as_str())).map(|s| s.as_str()).collect();
        if !missing.is_empty() {
            return Err(GenesError::Labels(format!(
                "{} of {} samples have no label (first: {:?}); the labels file has {} ids",
                missing.len(),
                self.n_samples(),
                missing[0],
                labels.len()
            )));
        }
        self.labels = Some(self.sample_ids.iter().map(|s| map[s.as_str()].to_string()).collect());
        Ok(())
    }
}

pub(crate) fn check_unique(what: &'static str, ids: &[String]) -> Result<()> {
    let mut seen = std::collections::HashMap::new();
    for id in ids {
        *seen.entry(id.as_str()).or_insert(0usize) += 1;
    }
    if let Some(id) = ids.iter().find(|id| seen[id.as_str()] > 1) {
        return Err(GenesError::DuplicateId { what, id: id.clone(), count: seen[id.as_str()] });
    }
    Ok(())
}
