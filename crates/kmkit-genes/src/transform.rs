//! Transforms, each optional and recorded: a [`Recipe`] of [`Step`]s is
//! fitted into a [`FittedPipeline`] that repeats exactly the same operations
//! (same genes kept, same means and scales, same PCA axes) on new samples.

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{GenesError, Result};
use crate::matrix::ExpressionMatrix;
use crate::pca::Pca;

/// The axis a z-score standardises along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZAxis {
    /// Each gene over the samples (`StandardScaler` on samples × genes).
    Genes,
    /// Each sample over its genes (`scipy.stats.zscore(x, axis=1)`).
    Samples,
}

/// One transform. Steps run in the order given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// `x = max(x, value)` (`np.clip` lower bound).
    Floor {
        /// The floor.
        value: f64,
    },
    /// `x = min(x, value)`.
    Ceiling {
        /// The ceiling.
        value: f64,
    },
    /// `log2(x + 1)` (`np.log2(x + 1)`; needs x > −1).
    Log2p1,
    /// `log10(x)` (needs x > 0: floor first).
    Log10,
    /// Library-size normalisation, scanpy `normalize_total` semantics: each
    /// sample is scaled to total `target_sum`; `None` uses the median total
    /// of the fit samples with a non-zero total. Samples of total 0 stay 0.
    NormalizeTotal {
        /// Target total per sample.
        target_sum: Option<f64>,
    },
    /// Keep the `n` genes of largest variance (ties: earlier gene first).
    TopVariance {
        /// Genes to keep.
        n: usize,
    },
    /// Keep the `n` genes of largest median absolute deviation.
    TopMad {
        /// Genes to keep.
        n: usize,
    },
    /// Dudoit et al. (2002): keep genes with `max/min > min_ratio` and
    /// `max − min > min_diff` over the samples (after floor/ceiling).
    Dudoit {
        /// Minimum max/min ratio (5 in the paper).
        min_ratio: f64,
        /// Minimum max − min (500 in the paper).
        min_diff: f64,
    },
    /// Subtract each gene's mean over the fit samples (`x - x.mean(0)`);
    /// followed by a per-sample z-score, Euclidean distance between samples
    /// becomes a centred Pearson correlation distance.
    CenterGenes,
    /// z-score with `ddof` 0 (population, as `StandardScaler`) or 1 (sample,
    /// as pandas `std()`); a constant gene or sample becomes all zeros.
    ZScore {
        /// Axis.
        axis: ZAxis,
        /// Delta degrees of freedom: 0 or 1.
        ddof: u8,
    },
    /// Principal components (centred, thin SVD, scikit-learn's sign rule).
    Pca {
        /// Components to keep.
        n_components: usize,
    },
}

impl Step {
    /// A short name for messages and reports.
    pub fn name(&self) -> String {
        match self {
            Step::Floor { value } => format!("floor({value})"),
            Step::Ceiling { value } => format!("ceiling({value})"),
            Step::Log2p1 => "log2(x+1)".into(),
            Step::Log10 => "log10".into(),
            Step::NormalizeTotal { target_sum } => match target_sum {
                Some(t) => format!("normalize_total({t})"),
                None => "normalize_total(median)".into(),
            },
            Step::TopVariance { n } => format!("top {n} genes by variance"),
            Step::TopMad { n } => format!("top {n} genes by MAD"),
            Step::Dudoit {
                min_ratio,
                min_diff,
            } => format!("Dudoit filter (max/min > {min_ratio}, max-min > {min_diff})"),
            Step::ZScore { axis, ddof } => format!(
                "z-score per {} (ddof {ddof})",
                if *axis == ZAxis::Genes {
                    "gene"
                } else {
                    "sample"
                }
            ),
            Step::Pca { n_components } => format!("PCA({n_components})"),
            Step::CenterGenes => "centre each gene".into(),
        }
    }
}

/// An ordered list of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Recipe {
    /// The steps.
    pub steps: Vec<Step>,
}

/// A step with what fitting it learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fitted", rename_all = "kebab-case")]
pub enum FittedStep {
    /// Element-wise (floor, ceiling, logs) or per-sample (z-score per
    /// sample): nothing learned.
    Stateless {
        /// The step.
        step: Step,
    },
    /// normalize_total with the resolved target.
    NormalizeTotal {
        /// Total every sample is scaled to.
        target_sum: f64,
    },
    /// A gene filter: the genes it kept.
    SelectGenes {
        /// The filter.
        step: Step,
        /// Ids of the genes kept, in input order.
        kept: Vec<String>,
    },
    /// z-score per gene with the fit means and scales.
    ZScoreGenes {
        /// ddof used.
        ddof: u8,
        /// Mean per gene.
        mean: Vec<f64>,
        /// Scale per gene (1 for constant genes).
        scale: Vec<f64>,
    },
    /// PCA axes.
    Pca(Pca),
    /// Gene centring with the fit means.
    CenterGenes {
        /// Mean per gene.
        mean: Vec<f64>,
    },
}

/// A fitted recipe: apply it to new samples with [`FittedPipeline::transform`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPipeline {
    /// Genes the pipeline expects, in order (new data is aligned by id).
    pub input_genes: Vec<String>,
    /// The fitted steps.
    pub steps: Vec<FittedStep>,
    /// Names of the output columns (gene ids, or PC1…).
    pub output_names: Vec<String>,
}

/// Data in flight: values and the names of its columns.
struct Frame {
    x: Array2<f64>,
    names: Vec<String>,
}

impl Recipe {
    /// A recipe of these steps.
    pub fn new(steps: Vec<Step>) -> Self {
        Recipe { steps }
    }

    /// Checks parameters that do not depend on the data.
    pub fn check(&self) -> Result<()> {
        for s in &self.steps {
            let bad = |name, value: String, expected| {
                Err(GenesError::InvalidParam {
                    name,
                    value,
                    expected,
                })
            };
            match s {
                Step::Floor { value } | Step::Ceiling { value } if !value.is_finite() => {
                    return bad("floor/ceiling", value.to_string(), "a finite number")
                }
                Step::NormalizeTotal {
                    target_sum: Some(t),
                } if !(t.is_finite() && *t > 0.0) => {
                    return bad("target_sum", t.to_string(), "a finite number > 0")
                }
                Step::TopVariance { n: 0 } | Step::TopMad { n: 0 } => {
                    return bad("top n", "0".into(), "at least 1")
                }
                Step::ZScore { ddof, .. } if *ddof > 1 => {
                    return bad("ddof", ddof.to_string(), "0 or 1")
                }
                Step::Pca { n_components: 0 } => {
                    return bad("n_components", "0".into(), "at least 1")
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Fits every step on `m` and returns the fitted pipeline and the
    /// transformed matrix (samples × output columns).
    pub fn fit_transform(&self, m: &ExpressionMatrix) -> Result<(FittedPipeline, Array2<f64>)> {
        self.check()?;
        let mut f = Frame {
            x: m.values.clone(),
            names: m.gene_ids.clone(),
        };
        let mut steps = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let fitted = fit_step(step, &f)?;
            apply(&fitted, &mut f)?;
            if f.x.ncols() == 0 {
                return Err(GenesError::Empty(format!(
                    "no gene is left after {}: loosen the filter",
                    step.name()
                )));
            }
            steps.push(fitted);
        }
        let pipeline = FittedPipeline {
            input_genes: m.gene_ids.clone(),
            steps,
            output_names: f.names,
        };
        Ok((pipeline, f.x))
    }
}

impl FittedPipeline {
    /// Applies the fitted steps to new samples. Genes are matched by id, so
    /// their order may differ; every gene of the fit must be present.
    pub fn transform(&self, m: &ExpressionMatrix) -> Result<Array2<f64>> {
        let pos: std::collections::HashMap<&str, usize> = m
            .gene_ids
            .iter()
            .enumerate()
            .map(|(j, g)| (g.as_str(), j))
            .collect();
        let missing: Vec<&String> = self
            .input_genes
            .iter()
            .filter(|g| !pos.contains_key(g.as_str()))
            .collect();
        if !missing.is_empty() {
            return Err(GenesError::ShapeMismatch(format!(
                "{} of the {} genes of the fit are missing from the data (first: {:?})",
                missing.len(),
                self.input_genes.len(),
                missing[0]
            )));
        }
        let idx: Vec<usize> = self.input_genes.iter().map(|g| pos[g.as_str()]).collect();
        let mut f = Frame {
            x: m.values.select(Axis(1), &idx),
            names: self.input_genes.clone(),
        };
        for s in &self.steps {
            apply(s, &mut f)?;
        }
        Ok(f.x)
    }

    /// The pipeline as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a pipeline always serialises")
    }

    /// A pipeline from [`FittedPipeline::to_json`] output.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text)
            .map_err(|e| GenesError::Model(format!("not a kmkit-genes pipeline: {e}")))
    }
}

fn fit_step(step: &Step, f: &Frame) -> Result<FittedStep> {
    let (n, _) = f.x.dim();
    Ok(match step {
        Step::NormalizeTotal { target_sum } => {
            let target = match target_sum {
                Some(t) => *t,
                None => {
                    let mut totals: Vec<f64> =
                        f.x.rows()
                            .into_iter()
                            .map(|r| r.sum())
                            .filter(|&t| t > 0.0)
                            .collect();
                    if totals.is_empty() {
                        return Err(GenesError::Transform {
                            step: step.name(),
                            message: "every sample has total 0".into(),
                        });
                    }
                    totals.sort_by(f64::total_cmp);
                    median_sorted(&totals)
                }
            };
            FittedStep::NormalizeTotal { target_sum: target }
        }
        Step::TopVariance { n: top } => {
            let score: Vec<f64> =
                f.x.columns()
                    .into_iter()
                    .map(|c| variance(c.iter().copied(), 0))
                    .collect();
            select_top(step, f, &score, *top)
        }
        Step::TopMad { n: top } => {
            let score: Vec<f64> = f.x.columns().into_iter().map(|c| mad(c.to_vec())).collect();
            select_top(step, f, &score, *top)
        }
        Step::Dudoit {
            min_ratio,
            min_diff,
        } => {
            let kept =
                f.x.columns()
                    .into_iter()
                    .zip(&f.names)
                    .filter(|(c, _)| {
                        let max = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        let min = c.iter().copied().fold(f64::INFINITY, f64::min);
                        max / min > *min_ratio && max - min > *min_diff
                    })
                    .map(|(_, g)| g.clone())
                    .collect();
            FittedStep::SelectGenes {
                step: step.clone(),
                kept,
            }
        }
        Step::ZScore {
            axis: ZAxis::Genes,
            ddof,
        } => {
            if n <= *ddof as usize {
                return Err(GenesError::Transform {
                    step: step.name(),
                    message: format!("{n} sample(s) cannot give a ddof-{ddof} standard deviation"),
                });
            }
            let mean: Vec<f64> =
                f.x.columns()
                    .into_iter()
                    .map(|c| c.sum() / n as f64)
                    .collect();
            let scale =
                f.x.columns()
                    .into_iter()
                    .map(|c| nonzero_scale(variance(c.iter().copied(), *ddof).sqrt(), &c))
                    .collect();
            FittedStep::ZScoreGenes {
                ddof: *ddof,
                mean,
                scale,
            }
        }
        Step::Pca { n_components } => FittedStep::Pca(Pca::fit(f.x.view(), *n_components)?),
        Step::CenterGenes => FittedStep::CenterGenes {
            mean: f
                .x
                .columns()
                .into_iter()
                .map(|c| c.sum() / n as f64)
                .collect(),
        },
        other => FittedStep::Stateless {
            step: other.clone(),
        },
    })
}

fn select_top(step: &Step, f: &Frame, score: &[f64], top: usize) -> FittedStep {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    let mut keep: Vec<usize> = order.into_iter().take(top).collect();
    keep.sort_unstable();
    FittedStep::SelectGenes {
        step: step.clone(),
        kept: keep.iter().map(|&j| f.names[j].clone()).collect(),
    }
}

fn apply(s: &FittedStep, f: &mut Frame) -> Result<()> {
    match s {
        FittedStep::Stateless { step } => apply_stateless(step, f),
        FittedStep::NormalizeTotal { target_sum } => {
            if f.x.iter().any(|&v| v < 0.0) {
                return Err(GenesError::Transform {
                    step: "normalize_total".into(),
                    message: "negative values: normalize_total expects counts (>= 0)".into(),
                });
            }
            for mut row in f.x.rows_mut() {
                let total = row.sum();
                if total > 0.0 {
                    row.mapv_inplace(|v| v / total * target_sum);
                }
            }
            Ok(())
        }
        FittedStep::SelectGenes { kept, .. } => {
            let pos: std::collections::HashMap<&str, usize> = f
                .names
                .iter()
                .enumerate()
                .map(|(j, g)| (g.as_str(), j))
                .collect();
            let idx = kept
                .iter()
                .map(|g| {
                    pos.get(g.as_str()).copied().ok_or_else(|| {
                        GenesError::Model(format!(
                            "the pipeline keeps gene {g:?}, which an earlier step does not produce"
                        ))
                    })
                })
                .collect::<Result<Vec<usize>>>()?;
            f.x = f.x.select(Axis(1), &idx);
            f.names = kept.clone();
            Ok(())
        }
        FittedStep::ZScoreGenes { mean, scale, .. } => {
            if mean.len() != f.x.ncols() {
                return Err(GenesError::ShapeMismatch(format!(
                    "z-score fitted on {} genes, data has {}",
                    mean.len(),
                    f.x.ncols()
                )));
            }
            for mut row in f.x.rows_mut() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v = (*v - mean[j]) / scale[j];
                }
            }
            Ok(())
        }
        FittedStep::CenterGenes { mean } => {
            if mean.len() != f.x.ncols() {
                return Err(GenesError::ShapeMismatch(format!(
                    "gene centring fitted on {} genes, data has {}",
                    mean.len(),
                    f.x.ncols()
                )));
            }
            for mut row in f.x.rows_mut() {
                row.iter_mut().zip(mean).for_each(|(v, m)| *v -= m);
            }
            Ok(())
        }
        FittedStep::Pca(p) => {
            f.x = p.transform(f.x.view())?;
            f.names = (1..=f.x.ncols()).map(|i| format!("PC{i}")).collect();
            Ok(())
        }
    }
}

fn apply_stateless(step: &Step, f: &mut Frame) -> Result<()> {
    let err = |message: String| GenesError::Transform {
        step: step.name(),
        message,
    };
    match step {
        Step::Floor { value } => f.x.mapv_inplace(|v| v.max(*value)),
        Step::Ceiling { value } => f.x.mapv_inplace(|v| v.min(*value)),
        Step::Log2p1 => {
            if let Some(v) = f.x.iter().find(|&&v| v <= -1.0) {
                return Err(err(format!(
                    "value {v} <= -1 has no log2(x+1): floor the data first"
                )));
            }
            f.x.mapv_inplace(|v| v.ln_1p() / std::f64::consts::LN_2);
        }
        Step::Log10 => {
            if let Some(v) = f.x.iter().find(|&&v| v <= 0.0) {
                return Err(err(format!(
                    "value {v} <= 0 has no log10: add a floor step (e.g. floor 100 for Affymetrix)"
                )));
            }
            f.x.mapv_inplace(f64::log10);
        }
        Step::ZScore {
            axis: ZAxis::Samples,
            ddof,
        } => {
            let d = f.x.ncols();
            if d <= *ddof as usize {
                return Err(err(format!(
                    "{d} gene(s) cannot give a ddof-{ddof} standard deviation"
                )));
            }
            for mut row in f.x.rows_mut() {
                let mean = row.sum() / d as f64;
                let scale = nonzero_scale(variance(row.iter().copied(), *ddof).sqrt(), &row.view());
                row.mapv_inplace(|v| (v - mean) / scale);
            }
        }
        other => return Err(err(format!("{} is not a stateless step", other.name()))),
    }
    Ok(())
}

/// Two-pass variance with `ddof`.
fn variance(values: impl Iterator<Item = f64> + Clone, ddof: u8) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    if n <= ddof as usize {
        return 0.0;
    }
    let mean = sum / n as f64;
    values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - ddof as usize) as f64
}

/// The scale to divide by: 1 when the values are constant (as
/// `StandardScaler`, which leaves zero-variance columns at 0 after centring).
fn nonzero_scale(sd: f64, values: &ndarray::ArrayView1<f64>) -> f64 {
    let max_abs = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if sd > 10.0 * f64::EPSILON * max_abs.max(f64::MIN_POSITIVE) {
        sd
    } else {
        1.0
    }
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median absolute deviation from the median (unscaled, as
/// `scipy.stats.median_abs_deviation` with scale 1).
fn mad(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let med = median_sorted(&v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    median_sorted(&dev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn matrix(x: Array2<f64>) -> ExpressionMatrix {
        let (n, d) = x.dim();
        ExpressionMatrix::new(
            x,
            (0..n).map(|i| format!("s{i}")).collect(),
            (0..d).map(|j| format!("g{j}")).collect(),
        )
        .unwrap()
    }

    #[test]
    fn constant_genes_and_samples_become_zeros() {
        let m = matrix(array![[1.0, 5.0, 2.0], [1.0, 5.0, 4.0]]);
        for axis in [ZAxis::Genes, ZAxis::Samples] {
            let (_, x) = Recipe::new(vec![Step::ZScore { axis, ddof: 0 }])
                .fit_transform(&m)
                .unwrap();
            assert!(x.iter().all(|v| v.is_finite()), "{axis:?}");
        }
        let (_, x) = Recipe::new(vec![Step::ZScore {
            axis: ZAxis::Genes,
            ddof: 0,
        }])
        .fit_transform(&m)
        .unwrap();
        assert_eq!(x.column(0).to_vec(), vec![0.0, 0.0]);
        let c = matrix(array![[3.0, 3.0], [3.0, 3.0]]);
        let (_, x) = Recipe::new(vec![Step::ZScore {
            axis: ZAxis::Samples,
            ddof: 1,
        }])
        .fit_transform(&c)
        .unwrap();
        assert!(x.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn filters_that_keep_nothing_say_so() {
        let m = matrix(array![[100.0, 100.0], [120.0, 100.0]]);
        let r = Recipe::new(vec![Step::Dudoit {
            min_ratio: 5.0,
            min_diff: 500.0,
        }]);
        assert!(matches!(r.fit_transform(&m), Err(GenesError::Empty(_))));
        let r = Recipe::new(vec![Step::Log10]);
        assert!(matches!(
            r.fit_transform(&matrix(array![[0.0, 1.0]])),
            Err(GenesError::Transform { .. })
        ));
        assert!(matches!(
            Recipe::new(vec![Step::ZScore {
                axis: ZAxis::Genes,
                ddof: 2
            }])
            .check(),
            Err(GenesError::InvalidParam { .. })
        ));
        let one = matrix(array![[1.0, 2.0]]);
        assert!(Recipe::new(vec![Step::ZScore {
            axis: ZAxis::Genes,
            ddof: 1
        }])
        .fit_transform(&one)
        .is_err());
    }

    #[test]
    fn transform_aligns_genes_by_id_and_repeats_the_fit() {
        let m = matrix(array![[1.0, 10.0, 3.0], [2.0, 30.0, 1.0], [4.0, 20.0, 2.0]]);
        let r = Recipe::new(vec![
            Step::TopVariance { n: 2 },
            Step::ZScore {
                axis: ZAxis::Genes,
                ddof: 1,
            },
        ]);
        let (p, x) = r.fit_transform(&m).unwrap();
        assert_eq!(p.output_names, vec!["g0", "g1"]);
        // Same samples with the genes in another order.
        let shuffled = ExpressionMatrix::new(
            m.values.select(Axis(1), &[2, 1, 0]),
            m.sample_ids.clone(),
            vec!["g2".into(), "g1".into(), "g0".into()],
        )
        .unwrap();
        let again = FittedPipeline::from_json(&p.to_json())
            .unwrap()
            .transform(&shuffled)
            .unwrap();
        assert_eq!(again, x);
        let fewer = ExpressionMatrix::new(
            m.values.select(Axis(1), &[0]),
            m.sample_ids.clone(),
            vec!["g0".into()],
        )
        .unwrap();
        assert!(matches!(
            p.transform(&fewer),
            Err(GenesError::ShapeMismatch(_))
        ));
    }
}
