//! What is clustered: samples (subtypes) or genes (co-expression modules),
//! the documented default recipes, and the transformed matrix as
//! `kmkit_core::Features`.

use kmkit_core::{Features, Matrix};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{GenesError, Result};
use crate::matrix::ExpressionMatrix;
use crate::transform::{Recipe, Step};

/// What the rows of the features are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Cluster samples (disease subtypes).
    #[default]
    Samples,
    /// Cluster genes (co-expression modules). Each gene's profile over the
    /// samples is z-scored (ddof 0), so squared Euclidean distance between
    /// two genes is `2·n·(1 − r)`, a correlation distance.
    Genes,
}

/// Genes kept by the default recipe for data already on a log scale.
pub const DEFAULT_TOP_GENES: usize = 200;
/// Genes kept by the default recipe in gene mode.
pub const DEFAULT_TOP_GENES_MODULES: usize = 1000;

/// How the values look, which decides the default recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Non-negative integers: RNA-seq counts.
    Counts,
    /// Unlogged microarray intensities (some value above 100, some not an
    /// integer or some negative, as MAS5 / Affymetrix exports).
    Intensities,
    /// Already log-transformed or ratio data (every value ≤ 100).
    Log,
}

/// Classifies the values (see [`Scale`]).
pub fn detect_scale(m: &ExpressionMatrix) -> Scale {
    let x = &m.values;
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if x.iter().all(|&v| v >= 0.0 && v.fract() == 0.0) && max > 0.0 {
        Scale::Counts
    } else if max > 100.0 {
        Scale::Intensities
    } else {
        Scale::Log
    }
}

/// The documented default recipe, chosen by mode and [`detect_scale`]:
///
/// | scale | samples mode | genes mode |
/// |---|---|---|
/// | intensities | floor 100, ceiling 16000, Dudoit (max/min > 5, max−min > 500), log10 | the same, then top 1000 by variance |
/// | counts | normalize_total (median), log2(x+1), top 200 by variance | normalize_total, log2(x+1), top 1000 by variance |
/// | log | top 200 by variance | top 1000 by variance |
///
/// That is: the scale's log and a gene filter, then Euclidean distance on
/// log expression. The intensity recipe is Dudoit, Fridlyand & Speed (2002)
/// as applied to Golub et al. (1999), without their last step (z-scoring
/// each array): on Golub k = 2 and Khan k = 4 the partition of least inertia
/// is closer to the known classes without it (ARI 0.944 vs 0.890 and
/// 0.685 vs 0.639; BENCHMARKS.md has the table of recipes). Gene mode
/// z-scores gene rows itself ([`to_features`]).
pub fn default_recipe(m: &ExpressionMatrix, mode: Mode) -> Recipe {
    let top = match mode {
        Mode::Samples => DEFAULT_TOP_GENES,
        Mode::Genes => DEFAULT_TOP_GENES_MODULES,
    };
    let mut steps = match detect_scale(m) {
        Scale::Intensities => vec![
            Step::Floor { value: 100.0 },
            Step::Ceiling { value: 16000.0 },
            Step::Dudoit {
                min_ratio: 5.0,
                min_diff: 500.0,
            },
            Step::Log10,
        ],
        Scale::Counts => vec![
            Step::NormalizeTotal { target_sum: None },
            Step::Log2p1,
            Step::TopVariance { n: top },
        ],
        Scale::Log => vec![Step::TopVariance { n: top }],
    };
    if mode == Mode::Genes && detect_scale(m) == Scale::Intensities {
        steps.push(Step::TopVariance { n: top });
    }
    Recipe::new(steps)
}

/// The transformed matrix as features: rows are samples, or genes (then
/// z-scored over the samples, ddof 0; constant genes become zero rows).
pub fn to_features(
    x: &Array2<f64>,
    sample_ids: &[String],
    column_names: &[String],
    mode: Mode,
) -> Result<Features> {
    let (n, d) = x.dim();
    if sample_ids.len() != n || column_names.len() != d {
        return Err(GenesError::ShapeMismatch(format!(
            "{n}×{d} values with {} sample ids and {} column names",
            sample_ids.len(),
            column_names.len()
        )));
    }
    Ok(match mode {
        Mode::Samples => Features {
            data: Matrix::Dense(x.mapv(|v| v as f32)),
            row_ids: sample_ids.to_vec(),
            feature_names: column_names.to_vec(),
            weights: None,
        },
        Mode::Genes => {
            let mut g = Array2::<f32>::zeros((d, n));
            for (j, col) in x.columns().into_iter().enumerate() {
                let mean = col.sum() / n as f64;
                let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
                for (i, &v) in col.iter().enumerate() {
                    g[[j, i]] = if sd > 0.0 {
                        ((v - mean) / sd) as f32
                    } else {
                        0.0
                    };
                }
            }
            Features {
                data: Matrix::Dense(g),
                row_ids: column_names.to_vec(),
                feature_names: sample_ids.to_vec(),
                weights: None,
            }
        }
    })
}
