//! Fitting topics: TF-IDF (and LSA), then spherical k-means with a fixed k
//! or a k chosen by a sweep; and the same fit repeated over several seeds to
//! show how stable the topics and their scores are.

use kmkit_cli::{fit_k_params, usage_error, KChoice, KRule};
use kmkit_core::{Features, KMeansParams, KSweep};
use kmkit_text::{score, Assignment, DocFeatures, Scores, TopicModel, TopicsConfig};
use serde::Serialize;

/// A fitted topic model and what it says about the fit documents.
#[derive(Debug, Clone)]
pub struct TopicRun {
    /// The model (transforms + k-means).
    pub model: TopicModel,
    /// Documents with at least one vocabulary term: the clustered ones.
    pub usable: Vec<usize>,
    /// Their features (the rows k-means was fitted on).
    pub usable_features: Features,
    /// The topic of every document.
    pub assignment: Assignment,
    /// The sweep k was chosen from, if `--k` was a range.
    pub sweep: Option<KSweep>,
    /// The rule that chose k, if any.
    pub rule: Option<KRule>,
}

/// Fits `config` (its `kmeans.n_clusters` is ignored: `choice` decides k) on `texts`.
pub fn fit_topics<S: AsRef<str> + Sync>(
    config: &TopicsConfig,
    texts: &[S],
    choice: KChoice,
    rule: KRule,
) -> anyhow::Result<TopicRun> {
    let doc = DocFeatures::fit(config, texts)?;
    let n_usable = doc.usable.len();
    let too_many = |k: usize| {
        usage_error(format!(
            "k = {k} is larger than the number of documents with at least one vocabulary term \
             ({n_usable} of {}; the others are empty, hold only stop words, or only terms pruned by \
             --min-df/--max-df): lower k",
            texts.len()
        ))
    };
    let choice = match choice {
        KChoice::Fixed(k) if k > n_usable => return Err(too_many(k)),
        KChoice::Range { min, .. } if min > n_usable => return Err(too_many(min)),
        // A sweep stops at the documents there are.
        KChoice::Range { min, max } => KChoice::Range {
            min,
            max: max.min(n_usable),
        },
        fixed => fixed,
    };
    let usable_features = doc.usable_features();
    let fitted = fit_k_params(&usable_features, choice, rule, &config.kmeans)?;
    let model = TopicModel::new(doc.tfidf, doc.lsa, fitted.model)?;
    let assignment = model.assign(&doc.features)?;
    Ok(TopicRun {
        model,
        usable: doc.usable,
        usable_features,
        assignment,
        sweep: fitted.sweep,
        rule: fitted.rule,
    })
}

/// One fit of a stability check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedRun {
    /// The seed of k-means (and of LSA).
    pub seed: u64,
    /// k-means inertia (on unit rows: `Σ 2 − 2·cos`).
    pub inertia: f64,
    /// Iterations of the best run.
    pub n_iter: usize,
    /// Agreement with the known labels, when there are labels.
    pub scores: Option<Scores>,
}

/// Mean scores over seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedSummary {
    /// Each seed's fit.
    pub runs: Vec<SeedRun>,
    /// Mean NMI over seeds (when labels are known).
    pub mean_nmi: Option<f64>,
    /// Mean ARI over seeds (when labels are known).
    pub mean_ari: Option<f64>,
    /// Mean V-measure over seeds (when labels are known).
    pub mean_v_measure: Option<f64>,
    /// Mean inertia over seeds.
    pub mean_inertia: f64,
}

/// Fits `k` topics with each of `seeds` (TF-IDF is fitted once; LSA, which
/// is seeded, once per seed) and scores each against `truth`. `first` is an
/// already-made fit for `seeds[0]`, reused rather than refitted.
pub fn seed_runs<S: AsRef<str> + Sync>(
    config: &TopicsConfig,
    texts: &[S],
    k: usize,
    seeds: &[u64],
    first: Option<&TopicRun>,
    truth: Option<&[u32]>,
) -> anyhow::Result<SeedSummary> {
    let mut shared: Option<DocFeatures> = None;
    let mut runs = Vec::with_capacity(seeds.len());
    for (i, &seed) in seeds.iter().enumerate() {
        let (model, assignment) = match first {
            Some(run) if i == 0 => (run.model.kmeans.clone(), run.assignment.clone()),
            _ => {
                let config = config.clone().seed(seed);
                let doc = match (&config.lsa, &shared) {
                    (None, Some(d)) => d.clone(),
                    _ => {
                        let d = DocFeatures::fit(&config, texts)?;
                        if config.lsa.is_none() {
                            shared = Some(d.clone());
                        }
                        d
                    }
                };
                let kmeans = KMeansParams {
                    n_clusters: k,
                    ..config.kmeans.clone()
                };
                let fit = TopicModel::fit_features(&kmeans, doc)?;
                (fit.model.kmeans, fit.assignment)
            }
        };
        runs.push(SeedRun {
            seed,
            inertia: model.inertia,
            n_iter: model.n_iter,
            scores: truth.map(|t| score(t, &assignment)).transpose()?,
        });
    }
    let n = runs.len().max(1) as f64;
    let mean = |f: fn(&Scores) -> f64| -> Option<f64> {
        runs.iter()
            .map(|r| r.scores.as_ref().map(f))
            .sum::<Option<f64>>()
            .map(|s| s / n)
    };
    Ok(SeedSummary {
        mean_nmi: mean(|s| s.nmi),
        mean_ari: mean(|s| s.ari),
        mean_v_measure: mean(|s| s.v_measure),
        mean_inertia: runs.iter().map(|r| r.inertia).sum::<f64>() / n,
        runs,
    })
}
