//! What model.json holds besides the k-means model: the mode, the recipe's
//! fitted pipeline and how the input was read, so `predict` builds features
//! with the very code `fit` used ([`features`]).

use anyhow::Context;
use kmkit_core::Features;
use kmkit_genes::{to_features, ExpressionMatrix, FittedPipeline, Mode};
use ndarray::Axis;
use serde::{Deserialize, Serialize};

use crate::input::ReadSettings;

/// Kind tag of gene-clusters model files.
pub const MODEL_KIND: &str = "genes";

/// The domain state saved next to the core model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneState {
    /// Samples or genes are clustered.
    pub mode: Mode,
    /// Recipe name (`custom` for `--transform` lists).
    pub recipe: String,
    /// The fitted transforms.
    pub pipeline: FittedPipeline,
    /// How the fit input was read.
    pub read: ReadSettings,
    /// Gene mode: the samples the gene profiles run over, in order.
    pub samples: Option<Vec<String>>,
}

/// The features of `m` under `state`: rows are samples (sample mode) or
/// genes (gene mode, profiles over the fit's samples, matched by id).
pub fn features(state: &GeneState, m: &ExpressionMatrix) -> anyhow::Result<Features> {
    let m = match (&state.mode, &state.samples) {
        (Mode::Genes, Some(samples)) => align_samples(m, samples)?,
        _ => m.clone(),
    };
    let x = state.pipeline.transform(&m)?;
    Ok(to_features(
        &x,
        &m.sample_ids,
        &state.pipeline.output_names,
        state.mode,
    )?)
}

fn align_samples(m: &ExpressionMatrix, samples: &[String]) -> anyhow::Result<ExpressionMatrix> {
    if m.sample_ids == samples {
        return Ok(m.clone());
    }
    let pos: std::collections::HashMap<&str, usize> = m
        .sample_ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let idx = samples
        .iter()
        .map(|s| {
            pos.get(s.as_str()).copied().with_context(|| {
                format!("gene modules were fitted over {} samples; sample {s:?} is missing from the input", samples.len())
            })
        })
        .collect::<anyhow::Result<Vec<usize>>>()?;
    let mut out = ExpressionMatrix::new(
        m.values.select(Axis(0), &idx),
        samples.to_vec(),
        m.gene_ids.clone(),
    )?;
    out.labels = m
        .labels
        .as_ref()
        .map(|l| idx.iter().map(|&i| l[i].clone()).collect());
    Ok(out)
}
