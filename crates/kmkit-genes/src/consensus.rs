//! Consensus clustering (Monti, Tamayo, Mesirov & Golub 2003) to choose k:
//! k-means on many random subsamples of the items, the consensus matrix
//! (how often two items land together when both are drawn), its CDF, the
//! area under the CDF and the relative change in area Δ(k).

use kmkit_core::{Data, Features, Input, KMeansParams, Matrix};
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{GenesError, Result};

/// Largest item count: the consensus matrix is items × items.
pub const MAX_CONSENSUS_ITEMS: usize = 5000;

/// Settings of a consensus run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsensusConfig {
    /// Cluster counts to try (each ≥ 2), e.g. 2..=6.
    pub k_values: Vec<usize>,
    /// Subsamples per k (Monti et al. use 500 on small data; 100 is common).
    pub resamples: usize,
    /// Fraction of items drawn, without replacement, per subsample.
    pub item_fraction: f64,
    /// Seed: same seed ⇒ same consensus matrices.
    pub seed: u64,
    /// Rule for the suggested k: the smallest k whose next Δ(k+1) is below this.
    pub delta_threshold: f64,
}

impl Default for ConsensusConfig {
    fn default() -> Self {
        ConsensusConfig { k_values: (2..=6).collect(), resamples: 100, item_fraction: 0.8, seed: 0, delta_threshold: 0.1 }
    }
}

/// The result for one k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsensusK {
    /// Number of clusters.
    pub k: usize,
    /// `n × n` consensus: co-clustered count / co-sampled count (diagonal 1).
    pub matrix: Array2<f32>,
    /// Empirical CDF of the off-diagonal consensus values at 0, 0.01, …, 1.
    pub cdf: Vec<f64>,
    /// Area under the CDF, Monti's sum over the sorted values.
    pub area: f64,
    /// Δ(k): the area for the first k, else the relative increase over the previous k.
    pub delta: f64,
    /// Proportion of ambiguous clustering: pairs with consensus in (0.1, 0.9)
    /// (Şenbabaoğlu et al. 2014); lower is more stable.
    pub pac: f64,
}

/// Consensus for every k, and the suggested k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consensus {
    /// One entry per k, in the order given.
    pub per_k: Vec<ConsensusK>,
    /// The smallest k after which the area stops growing (Δ(k+1) below the
    /// threshold), or the largest k tried.
    pub suggested_k: usize,
    /// The k of lowest PAC.
    pub lowest_pac_k: usize,
}

/// Runs consensus clustering of the rows of `features` (dense) with k-means
/// parameters `params` (its `n_clusters` and `seed` are set per run).
pub fn consensus(features: &Features, params: &KMeansParams, config: &ConsensusConfig) -> Result<Consensus> {
    let Matrix::Dense(x) = &features.data else {
        return Err(GenesError::InvalidParam { name: "features", value: "sparse".into(), expected: "dense features" });
    };
    let n = x.nrows();
    let m = (config.item_fraction * n as f64).floor() as usize;
    let mut ks = config.k_values.clone();
    ks.sort_unstable();
    ks.dedup();
    if ks.is_empty() || ks[0] < 2 {
        return Err(GenesError::InvalidParam { name: "k_values", value: format!("{ks:?}"), expected: "k values of at least 2" });
    }
    if !(config.item_fraction > 0.0 && config.item_fraction <= 1.0) {
        return Err(GenesError::InvalidParam {
            name: "item_fraction",
            value: config.item_fraction.to_string(),
            expected: "a fraction in (0, 1]",
        });
    }
    if config.resamples == 0 {
        return Err(GenesError::InvalidParam { name: "resamples", value: "0".into(), expected: "at least 1" });
    }
    if n > MAX_CONSENSUS_ITEMS {
        return Err(GenesError::InvalidParam {
            name: "items",
            value: n.to_string(),
            expected: "at most 5000 items (the consensus matrix is items × items): filter genes first",
        });
    }
    let k_max = *ks.last().expect("non-empty");
    if m < k_max {
        return Err(GenesError::InvalidParam {
            name: "k_values",
            value: format!("up to {k_max}"),
            expected: "k no larger than the items in a subsample (item_fraction × items)",
        });
    }
    let mut per_k: Vec<ConsensusK> = Vec::with_capacity(ks.len());
    for &k in &ks {
        let mut together = vec![0u32; n * n];
        let mut sampled = vec![0u32; n * n];
        for h in 0..config.resamples {
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ ((k as u64) << 32) ^ h as u64);
            let mut idx = rand::seq::index::sample(&mut rng, n, m).into_vec();
            idx.sort_unstable();
            let sub = x.select(Axis(0), &idx);
            let run = params.clone().n_clusters_set(k).seed(config.seed.wrapping_mul(1_000_003).wrapping_add((k * 100_003 + h) as u64));
            let labels = run.fit(Input::from(Data::Dense(sub.view())))?.labels().to_vec();
            for (a, &i) in idx.iter().enumerate() {
                for (b, &j) in idx.iter().enumerate().skip(a + 1) {
                    sampled[i * n + j] += 1;
                    together[i * n + j] += u32::from(labels[a] == labels[b]);
                }
            }
        }
        let mut matrix = Array2::<f32>::eye(n);
        let mut values = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                let c = if sampled[i * n + j] > 0 { together[i * n + j] as f64 / sampled[i * n + j] as f64 } else { 0.0 };
                matrix[[i, j]] = c as f32;
                matrix[[j, i]] = c as f32;
                values.push(c);
            }
        }
        values.sort_by(f64::total_cmp);
        let pairs = values.len().max(1) as f64;
        let cdf_at = |c: f64| values.partition_point(|&v| v <= c) as f64 / pairs;
        let cdf = (0..=100).map(|i| cdf_at(i as f64 / 100.0)).collect();
        // Monti et al.: A(k) = Σ_{i≥2} (x_i − x_{i−1}) · CDF(x_i) over the sorted values.
        let area = values.windows(2).map(|w| (w[1] - w[0]) * cdf_at(w[1])).sum::<f64>();
        let pac = cdf_at(0.9 - 1e-12) - cdf_at(0.1);
        per_k.push(ConsensusK { k, matrix, cdf, area, delta: 0.0, pac });
    }
    for i in 0..per_k.len() {
        per_k[i].delta = if i == 0 || per_k[i - 1].area <= 0.0 {
            per_k[i].area
        } else {
            (per_k[i].area - per_k[i - 1].area) / per_k[i - 1].area
        };
    }
    let suggested_k = (0..per_k.len())
        .find(|&i| per_k.get(i + 1).is_some_and(|next| next.delta < config.delta_threshold))
        .map_or(k_max, |i| per_k[i].k);
    let lowest_pac_k = per_k.iter().min_by(|a, b| a.pac.total_cmp(&b.pac).then(a.k.cmp(&b.k))).expect("non-empty").k;
    Ok(Consensus { per_k, suggested_k, lowest_pac_k })
}

/// Sets the cluster count on a copy of the parameters.
trait WithK {
    fn n_clusters_set(self, k: usize) -> Self;
}
impl WithK for KMeansParams {
    fn n_clusters_set(mut self, k: usize) -> Self {
        self.n_clusters = k;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmkit_core::KMeans;

    /// Three tight, far-apart blobs: consensus is 1 within and 0 across at
    /// k = 3, the CDF is a clean step, and k = 3 is suggested.
    #[test]
    fn three_blobs_suggest_three() {
        let centres = [[0.0f32, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let x = Array2::from_shape_fn((30, 2), |(i, j)| centres[i % 3][j] + ((i * 7 + j * 3) % 5) as f32 * 0.05);
        let f = Features::dense(x);
        let cfg = ConsensusConfig { k_values: vec![2, 3, 4, 5], resamples: 30, ..ConsensusConfig::default() };
        let c = consensus(&f, &KMeans::params(2).n_init(3), &cfg).unwrap();
        let k3 = &c.per_k[1];
        assert_eq!(k3.k, 3);
        assert_eq!(k3.matrix[[0, 3]], 1.0);
        assert_eq!(k3.matrix[[0, 1]], 0.0);
        assert_eq!(k3.pac, 0.0);
        assert_eq!(c.suggested_k, 3, "{:?}", c.per_k.iter().map(|p| (p.k, p.area, p.delta)).collect::<Vec<_>>());
        assert_eq!(c.lowest_pac_k, 3);
        assert_eq!(consensus(&f, &KMeans::params(2).n_init(3), &cfg).unwrap(), c, "deterministic");
        let bad = ConsensusConfig { k_values: vec![1], ..ConsensusConfig::default() };
        assert!(consensus(&f, &KMeans::params(2), &bad).is_err());
    }
}
