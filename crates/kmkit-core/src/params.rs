//! Parameters: a builder, `check()` into validated parameters, then `fit`.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{KMeansError, Result};

/// How the first centroids are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// Greedy k-means++ (Arthur & Vassilvitskii 2007) with `2 + ln k` local
    /// trials per step, as scikit-learn.
    KMeansPlusPlus,
    /// k-means‖ (Bahmani et al. 2012): `rounds` rounds each sampling about
    /// `oversampling · k` points, then a weighted k-means++ recluster.
    KMeansParallel {
        /// Sampling rounds (Bahmani et al. find 5 enough).
        rounds: usize,
        /// Expected points sampled per round, as a multiple of k (ℓ = 2k in the paper).
        oversampling: f64,
    },
    /// k distinct rows drawn uniformly (weighted by sample weight).
    Random,
    /// These centroids (k × d).
    Given(Array2<f32>),
}

impl Init {
    /// k-means‖ with the paper's defaults: 5 rounds, ℓ = 2k.
    pub fn kmeans_parallel() -> Init {
        Init::KMeansParallel {
            rounds: 5,
            oversampling: 2.0,
        }
    }
    /// Short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Init::KMeansPlusPlus => "k-means++",
            Init::KMeansParallel { .. } => "k-means||",
            Init::Random => "random",
            Init::Given(_) => "given",
        }
    }
}

/// Which exact algorithm runs the iterations. All reach the same fixed point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// Pick by the data's shape.
    Auto,
    /// Blocked Lloyd with the fused SIMD distance-argmin kernel.
    Lloyd,
    /// Hamerly's bounds: skips most distance computations once centroids
    /// settle; pays off where distances are dear (`auto` picks it at d ≥ 32).
    Hamerly,
    /// Elkan's bounds: k lower bounds per row (n×k memory); fewest distance
    /// computations at moderate k.
    Elkan,
    /// Yinyang's grouped bounds (n × k/10 memory): for large n and k.
    Yinyang,
    /// Kd-tree filtering ([`KdTree`](crate::KdTree)): whole tree nodes are
    /// assigned at once where one centroid owns their box. Dense rows of 1
    /// to 4 columns, Euclidean metric only.
    KdTree,
}

/// Below this dimension `auto` runs Lloyd: one row against a panel of 16
/// centroids costs a few fused multiply-adds, less than the bounded
/// algorithms' per-row bookkeeping and one-centroid-at-a-time rescans.
/// Measured on 100,000 uniform rows, k = 256, one thread (`kmkit-bench fit`):
/// Hamerly is 4.4× slower than Lloyd at d = 8, 1.24× slower at d = 16, 1.16×
/// faster at d = 32 and 1.3× faster at d = 64; on china.jpg's pixels (d = 3,
/// k = 64) every bounded algorithm is 3–4× slower than Lloyd.
const AUTO_BOUNDED_MIN_D: usize = 32;

impl Algorithm {
    /// The algorithm `Auto` resolves to for data of `d` columns and
    /// `k` clusters, dense or `sparse`: Hamerly where dense distances are
    /// dear (d ≥ 32) and there are enough centroids to skip, Lloyd otherwise.
    /// Sparse rows always get Lloyd: its pass over transposed centroids costs
    /// a row's non-zeros, while the bounded algorithms compute distances one
    /// centroid at a time (TF-IDF 20,000 × 5,236, k = 20: Hamerly 4× slower).
    /// Elkan (n×k bounds) and Yinyang were never the fastest in those
    /// measurements, so `auto` does not pick them; they stay available by name.
    pub fn resolve(self, d: usize, k: usize, sparse: bool) -> Algorithm {
        match self {
            Algorithm::Auto if !sparse && d >= AUTO_BOUNDED_MIN_D && k >= 8 => Algorithm::Hamerly,
            Algorithm::Auto => Algorithm::Lloyd,
            other => other,
        }
    }
}

/// The distance clusters are formed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Squared Euclidean distance (classic k-means).
    #[default]
    Euclidean,
    /// Cosine: rows and centroids are L2-normalised (spherical k-means,
    /// Dhillon & Modha 2001); assignment by largest dot product.
    Cosine,
}

/// k-means parameters. Build with [`KMeans::params`](crate::KMeans::params),
/// adjust with the setters, then `fit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansParams {
    /// Number of clusters.
    pub n_clusters: usize,
    /// Seeding method.
    pub init: Init,
    /// Number of seeded runs; the one with least inertia is kept. `None`: 1 for
    /// k-means++ / k-means‖ / given, 10 for random (scikit-learn's `auto`).
    pub n_init: Option<usize>,
    /// Iteration cap per run.
    pub max_iter: usize,
    /// Convergence tolerance on the total squared centroid shift, relative to
    /// the mean per-feature variance of the data (as scikit-learn). Under
    /// [`Metric::Cosine`] the shift is that of the unit centroids and the
    /// variance that of the normalised rows, as spherical k-means
    /// implementations built on scikit-learn's loop do (spherecluster). A run
    /// also stops as soon as no label changes (scikit-learn's "strict
    /// convergence"); on sparse TF-IDF rows that, not `tol`, is what ends a
    /// fit at the default 1e-4: the variance of thousands of sparse columns is
    /// tiny, so the bound is far below any shift before the fixed point.
    pub tol: f64,
    /// Iteration algorithm.
    pub algorithm: Algorithm,
    /// Random seed: same seed ⇒ bit-identical result for any thread count.
    pub seed: u64,
    /// Distance.
    pub metric: Metric,
    /// Worker threads; 0 = rayon's default (all cores).
    pub threads: usize,
    /// After each of the `n_init` runs converges, move single rows
    /// between clusters while that lowers inertia (Hartigan's rule), then
    /// run Lloyd again. The result is still a Lloyd fixed point, and usually
    /// a better one. Default on.
    #[serde(default = "yes")]
    pub refine: bool,
}

fn yes() -> bool {
    true
}

impl KMeansParams {
    /// Defaults for `n_clusters` clusters: k-means++, auto n_init, 300
    /// iterations, tol 1e-4, seed 0, Euclidean, all cores.
    pub fn new(n_clusters: usize) -> Self {
        KMeansParams {
            n_clusters,
            init: Init::KMeansPlusPlus,
            n_init: None,
            max_iter: 300,
            tol: 1e-4,
            algorithm: Algorithm::Auto,
            seed: 0,
            metric: Metric::Euclidean,
            threads: 0,
            refine: true,
        }
    }
    /// Sets the seeding method.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    /// Sets the number of seeded runs.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }
    /// Sets the iteration cap.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Sets the relative tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Sets the algorithm.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the metric.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }
    /// Sets the worker thread count (0 = all cores).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Turns Hartigan refinement on or off.
    pub fn refine(mut self, refine: bool) -> Self {
        self.refine = refine;
        self
    }

    /// Validates the parameters that do not depend on the data.
    pub fn check(&self) -> Result<ValidParams> {
        let bad = |name, value: String, expected| {
            Err(KMeansError::InvalidParam {
                name,
                value,
                expected,
            })
        };
        if self.n_clusters == 0 {
            return bad("n_clusters", "0".into(), "at least 1");
        }
        if self.n_init == Some(0) {
            return bad("n_init", "0".into(), "at least 1");
        }
        if self.max_iter == 0 {
            return bad("max_iter", "0".into(), "at least 1");
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return bad("tol", self.tol.to_string(), "a finite number >= 0");
        }
        if self.algorithm == Algorithm::KdTree && self.metric == Metric::Cosine {
            return bad(
                "algorithm",
                "kd-tree".into(),
                "auto, lloyd, hamerly, elkan or yinyang for the cosine metric",
            );
        }
        match &self.init {
            Init::KMeansParallel {
                rounds,
                oversampling,
            } => {
                if *rounds == 0 {
                    return bad("init.rounds", "0".into(), "at least 1");
                }
                if !(oversampling.is_finite() && *oversampling > 0.0) {
                    return bad(
                        "init.oversampling",
                        oversampling.to_string(),
                        "a finite number > 0",
                    );
                }
            }
            Init::Given(c) => {
                if c.nrows() != self.n_clusters {
                    return Err(KMeansError::BadInit(format!(
                        "{} centroids given for n_clusters = {}",
                        c.nrows(),
                        self.n_clusters
                    )));
                }
                if c.iter().any(|v| !v.is_finite()) {
                    return Err(KMeansError::BadInit(
                        "a given centroid has a non-finite value".into(),
                    ));
                }
            }
            _ => {}
        }
        let n_init = self.n_init.unwrap_or(match self.init {
            Init::Random => 10,
            _ => 1,
        });
        Ok(ValidParams {
            params: self.clone(),
            n_init,
        })
    }
}

/// Parameters that passed [`KMeansParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidParams {
    pub(crate) params: KMeansParams,
    pub(crate) n_init: usize,
}

impl ValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &KMeansParams {
        &self.params
    }
    /// The resolved number of runs.
    pub fn n_init(&self) -> usize {
        self.n_init
    }
}
