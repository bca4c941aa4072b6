//! Choosing k: a fixed k, or a sweep scored by consensus clustering (Monti
//! et al. 2003, Δ-area), silhouette, elbow, gap statistic,
//! Calinski–Harabasz or Davies–Bouldin, keeping the chosen k's model.

use anyhow::Context;
use kmkit_cli::{usage_error, KChoice, KMeansArgs};
use kmkit_core::{select_k, Criteria, Features, KSweep, Model};
use kmkit_genes::{consensus, Consensus, ConsensusConfig, MAX_CONSENSUS_ITEMS};
use serde::Serialize;

/// Rule that picks k from a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Consensus clustering: the smallest k after which the area under the consensus CDF stops growing (Δ(k+1) < 0.1).
    Consensus,
    /// Largest mean silhouette.
    Silhouette,
    /// Knee of the inertia curve.
    Elbow,
    /// Gap statistic (Tibshirani et al. 2001, 10 reference sets).
    Gap,
    /// Largest Calinski–Harabasz index.
    CalinskiHarabasz,
    /// Smallest Davies–Bouldin index.
    DaviesBouldin,
}

/// The fit, with what chose k.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// Model of the chosen k.
    pub model: Model,
    /// The sweep, when k was a range.
    pub sweep: Option<KSweep>,
    /// Consensus over the range (or at the fixed k, for the report picture).
    pub consensus: Option<Consensus>,
    /// The rule used, when k was a range.
    pub rule: Option<Rule>,
    /// k each rule suggests (a range only).
    pub suggestions: Vec<(Rule, Option<usize>)>,
}

/// Fits `features` with k fixed or chosen by `rule`; `resamples` consensus
/// subsamples per k (0: no consensus).
pub fn choose(
    features: &Features,
    choice: KChoice,
    rule: Rule,
    args: &KMeansArgs,
    resamples: usize,
) -> anyhow::Result<Chosen> {
    let n = features.n_rows();
    let consensus_of = |ks: Vec<usize>| -> anyhow::Result<Option<Consensus>> {
        if resamples == 0 || n > MAX_CONSENSUS_ITEMS || ks.iter().any(|&k| k < 2) {
            return Ok(None);
        }
        let cfg = ConsensusConfig {
            k_values: ks,
            resamples,
            seed: args.seed,
            ..ConsensusConfig::default()
        };
        // One k-means++ run per subsample, as Monti et al. resample single runs.
        let params = args.params(2).n_init(1);
        Ok(Some(
            consensus(features, &params, &cfg).context("consensus clustering")?,
        ))
    };
    match choice {
        KChoice::Fixed(k) => {
            if k > n {
                return Err(usage_error(format!(
                    "-k {k} asks for more clusters than the {n} rows: lower k"
                )));
            }
            let model = args
                .params(k)
                .fit(features)
                .with_context(|| format!("fitting k = {k}"))?;
            let consensus = if (k as f64) <= 0.8 * n as f64 {
                consensus_of(vec![k])?
            } else {
                None
            };
            Ok(Chosen {
                model,
                sweep: None,
                consensus,
                rule: None,
                suggestions: Vec::new(),
            })
        }
        KChoice::Range { min, max } => {
            if max > n {
                return Err(usage_error(format!(
                    "--k {min}..{max} asks for more clusters than the {n} rows: lower the range"
                )));
            }
            let criteria = Criteria::default()
                .silhouette_sample(Criteria::default().silhouette_sample.min(n.max(2)))
                .gap(10);
            let sweep = select_k(features, min..=max, &args.params(min), &criteria)
                .with_context(|| format!("sweeping k over {min}..{max}"))?;
            let cons_ks: Vec<usize> = (min.max(2)..=max)
                .filter(|&k| (k as f64) <= 0.8 * n as f64)
                .collect();
            let consensus = if cons_ks.is_empty() {
                None
            } else {
                consensus_of(cons_ks)?
            };
            let suggestions = vec![
                (Rule::Consensus, consensus.as_ref().map(|c| c.suggested_k)),
                (Rule::Silhouette, sweep.best_silhouette()),
                (Rule::Elbow, sweep.elbow()),
                (Rule::Gap, sweep.gap_k()),
                (Rule::CalinskiHarabasz, sweep.best_calinski_harabasz()),
                (Rule::DaviesBouldin, sweep.best_davies_bouldin()),
            ];
            let k = suggestions
                .iter()
                .find(|(r, _)| *r == rule)
                .and_then(|(_, k)| *k)
                .or_else(|| sweep.elbow())
                .unwrap_or(min);
            let model = sweep
                .model(k)
                .cloned()
                .context("the sweep kept no model for the chosen k")?;
            Ok(Chosen {
                model,
                sweep: Some(sweep),
                consensus,
                rule: Some(rule),
                suggestions,
            })
        }
    }
}
