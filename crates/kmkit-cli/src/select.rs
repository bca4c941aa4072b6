//! `--k auto` / `--k A..B`: sweep k with `kmkit_core::select_k` and keep the
//! model of the chosen k (no refit).

use anyhow::Context;
use kmkit_core::{select_k, Criteria, Input, KMeansParams, KSweep, Model};

use crate::args::{KChoice, KMeansArgs};
use crate::exit::usage_error;

/// Which rule picks k from a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KRule {
    /// Largest mean silhouette.
    Silhouette,
    /// Knee of the inertia curve (Kneedle).
    Elbow,
    /// Largest Calinski–Harabasz index.
    CalinskiHarabasz,
    /// Smallest Davies–Bouldin index.
    DaviesBouldin,
}

/// A fitted model and, when k was chosen, the sweep it was chosen from.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The model of the chosen k.
    pub model: Model,
    /// The sweep, when `--k` was a range.
    pub sweep: Option<KSweep>,
    /// The rule that chose k, when `--k` was a range.
    pub rule: Option<KRule>,
}

/// Criteria computed by a sweep for `rule` (the silhouette is always kept for the report).
pub fn criteria_for(rule: KRule, n_rows: usize) -> Criteria {
    let mut c = Criteria::default();
    // Above 20k rows the exact silhouette is costly; a 5k sample is what
    // scikit-learn users pass as `sample_size` too.
    c.silhouette_sample = c.silhouette_sample.min(n_rows.max(2));
    if rule == KRule::Elbow {
        c.calinski_harabasz = false;
        c.davies_bouldin = false;
    }
    c
}

/// Sweeps `min..=max` and returns the sweep (all models kept).
pub fn sweep<'a>(
    input: impl Into<Input<'a>>,
    min: usize,
    max: usize,
    args: &KMeansArgs,
    criteria: &Criteria,
) -> anyhow::Result<KSweep> {
    sweep_params(input, min, max, &args.params(min), criteria)
}

/// [`sweep`] from explicit base parameters (e.g. with the cosine metric).
pub fn sweep_params<'a>(
    input: impl Into<Input<'a>>,
    min: usize,
    max: usize,
    params: &KMeansParams,
    criteria: &Criteria,
) -> anyhow::Result<KSweep> {
    let input = input.into();
    let n = input.data.n_rows();
    if max > n {
        return Err(usage_error(format!(
            "--k {min}..{max} asks for more clusters than the {n} rows: lower the range"
        )));
    }
    select_k(input, min..=max, params, criteria)
        .with_context(|| format!("sweeping k over {min}..{max}"))
}

/// Fits with a fixed k, or sweeps a range and keeps the k chosen by `rule`
/// (falling back to the elbow, then the smallest k, when a rule has no answer).
pub fn fit_k<'a>(
    input: impl Into<Input<'a>>,
    choice: KChoice,
    rule: KRule,
    args: &KMeansArgs,
) -> anyhow::Result<Fitted> {
    fit_k_params(input, choice, rule, &args.params(1))
}

/// [`fit_k`] from explicit base parameters: an app that needs more than
/// [`KMeansArgs`] sets (the cosine metric for text, say) passes them here;
/// `n_clusters` is replaced by the k chosen.
pub fn fit_k_params<'a>(
    input: impl Into<Input<'a>>,
    choice: KChoice,
    rule: KRule,
    base: &KMeansParams,
) -> anyhow::Result<Fitted> {
    let input = input.into();
    match choice {
        KChoice::Fixed(k) => {
            let model = KMeansParams {
                n_clusters: k,
                ..base.clone()
            }
            .fit(input)
            .with_context(|| format!("fitting k = {k}"))?;
            Ok(Fitted {
                model,
                sweep: None,
                rule: None,
            })
        }
        KChoice::Range { min, max } => {
            let criteria = criteria_for(rule, input.data.n_rows());
            let sweep = sweep_params(input, min, max, base, &criteria)?;
            let k = match rule {
                KRule::Silhouette => sweep.best_silhouette(),
                KRule::Elbow => sweep.elbow(),
                KRule::CalinskiHarabasz => sweep.best_calinski_harabasz(),
                KRule::DaviesBouldin => sweep.best_davies_bouldin(),
            }
            .or_else(|| sweep.elbow())
            .unwrap_or(min);
            let model = sweep
                .model(k)
                .cloned()
                .context("the sweep kept no model for the chosen k")?;
            Ok(Fitted {
                model,
                sweep: Some(sweep),
                rule: Some(rule),
            })
        }
    }
}
