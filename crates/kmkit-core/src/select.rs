//! Choosing k: fit a range of k with the same parameters and seed, score each
//! fit, and apply the usual rules.
//!
//! [`select_k`] records, for every k, the inertia and — as asked by
//! [`Criteria`] — the mean silhouette (exact up to
//! [`Criteria::silhouette_sample`] rows, on a seeded sample above), the
//! Calinski–Harabasz and Davies–Bouldin indices, and the gap statistic. The
//! returned [`KSweep`] answers with each rule:
//!
//! - [`KSweep::elbow`]: the knee of the inertia curve by the Kneedle rule
//!   (Satopää et al. 2011), also available on any curve as [`knee`];
//! - [`KSweep::best_silhouette`], [`KSweep::best_calinski_harabasz`] (largest)
//!   and [`KSweep::best_davies_bouldin`] (smallest);
//! - [`KSweep::gap_k`]: the gap statistic (Tibshirani, Walther & Hastie
//!   2001) with reference sets drawn uniformly in the data's bounding box and
//!   their rule, also available as [`gap_rule`].
//!
//! Fits use the input's sample weights; the metrics, as scikit-learn's, do not.
//! Under the cosine metric every criterion is computed on the L2-normalised
//! rows, the space the clusters were formed in. Everything is seeded by
//! `params.seed`, so a sweep is reproducible bit for bit.
//!
//! ```
//! use kmkit_core::{select_k, Criteria, KMeans};
//! use ndarray::Array2;
//!
//! // Three tight groups of four points on a line.
//! let x = Array2::from_shape_fn((12, 1), |(i, _)| (i / 4) as f32 * 10.0 + (i % 4) as f32 * 0.1);
//! let sweep = select_k(&x, 1..=6, &KMeans::params(1).seed(7).n_init(3), &Criteria::default())?;
//! assert_eq!(sweep.best_silhouette(), Some(3));
//! assert_eq!(sweep.elbow(), Some(3));
//! # Ok::<(), kmkit_core::KMeansError>(())
//! ```

use std::ops::RangeInclusive;

use ndarray::Array2;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::data::{validate, Data, Input};
use crate::error::{KMeansError, Result};
use crate::fit::{prepare_rows, with_threads, OwnedRows};
use crate::metrics::{
    calinski_harabasz_of, davies_bouldin_of, sampled_silhouette_of, DenseRows, MetricRows,
    SparseRows, SILHOUETTE_MAX_EXACT_ROWS,
};
use crate::model::Model;
use crate::params::{Init, KMeansParams};
use crate::seeding::rng;

/// First random stream of the gap statistic's reference sets (one per set),
/// apart from the streams `fit` and silhouette sampling use.
const GAP_STREAM: u64 = 0x6A90_0000_0000_0000;

/// What a sweep computes besides the inertia, which it always records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criteria {
    /// Mean silhouette per k.
    pub silhouette: bool,
    /// Silhouette is exact on up to this many rows; above, it is the exact
    /// silhouette of this many rows drawn without replacement with
    /// `params.seed` (the same rows for every k), as scikit-learn's
    /// `silhouette_score(…, sample_size, random_state)`. At most
    /// [`SILHOUETTE_MAX_EXACT_ROWS`].
    pub silhouette_sample: usize,
    /// Calinski–Harabasz index per k.
    pub calinski_harabasz: bool,
    /// Davies–Bouldin index per k.
    pub davies_bouldin: bool,
    /// Gap statistic with this many reference sets (B); `None` skips it. It
    /// costs B more fits per k.
    pub gap_references: Option<usize>,
    /// Largest `rows × columns` a sweep may densify: the gap statistic's
    /// reference sets are dense, so on sparse input larger than this the gap
    /// is skipped (with the reason in [`KSweep::skipped`]).
    pub max_dense_cells: usize,
}

impl Default for Criteria {
    /// Silhouette (exact up to 5,000 rows), Calinski–Harabasz and
    /// Davies–Bouldin; no gap statistic; densify at most 2²⁵ cells.
    fn default() -> Self {
        Criteria {
            silhouette: true,
            silhouette_sample: 5_000,
            calinski_harabasz: true,
            davies_bouldin: true,
            gap_references: None,
            max_dense_cells: 1 << 25,
        }
    }
}

impl Criteria {
    /// Only the inertia (for an elbow plot): no other criterion.
    pub fn inertia_only() -> Self {
        Criteria {
            silhouette: false,
            calinski_harabasz: false,
            davies_bouldin: false,
            ..Criteria::default()
        }
    }
    /// Sets whether the silhouette is computed.
    pub fn silhouette(mut self, on: bool) -> Self {
        self.silhouette = on;
        self
    }
    /// Sets the row count above which the silhouette is sampled, and the sample size.
    pub fn silhouette_sample(mut self, rows: usize) -> Self {
        self.silhouette_sample = rows;
        self
    }
    /// Sets whether the Calinski–Harabasz index is computed.
    pub fn calinski_harabasz(mut self, on: bool) -> Self {
        self.calinski_harabasz = on;
        self
    }
    /// Sets whether the Davies–Bouldin index is computed.
    pub fn davies_bouldin(mut self, on: bool) -> Self {
        self.davies_bouldin = on;
        self
    }
    /// Adds the gap statistic with `references` reference sets (10 is usual).
    pub fn gap(mut self, references: usize) -> Self {
        self.gap_references = Some(references);
        self
    }
    /// Sets the largest `rows × columns` a sweep may densify.
    pub fn max_dense_cells(mut self, cells: usize) -> Self {
        self.max_dense_cells = cells;
        self
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        if self.silhouette && !(2..=SILHOUETTE_MAX_EXACT_ROWS).contains(&self.silhouette_sample) {
            return Err(KMeansError::InvalidParam {
                name: "silhouette_sample",
                value: self.silhouette_sample.to_string(),
                expected: "between 2 and 50,000 rows",
            });
        }
        if self.gap_references == Some(0) {
            return Err(KMeansError::InvalidParam {
                name: "gap_references",
                value: "0".into(),
                expected: "at least 1 reference set",
            });
        }
        Ok(())
    }
}

/// The scores of one k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KScore {
    /// Clusters asked for.
    pub k: usize,
    /// Distinct labels the fit produced (less than `k` when the data has
    /// fewer distinct rows).
    pub n_clusters: usize,
    /// Inertia of the fit (weighted when the input has weights).
    pub inertia: f64,
    /// Mean silhouette; `None` when not asked for, or undefined (fewer than
    /// 2 clusters, or as many clusters as rows, in the rows scored).
    pub silhouette: Option<f64>,
    /// Calinski–Harabasz index; `None` when not asked for or undefined.
    pub calinski_harabasz: Option<f64>,
    /// Davies–Bouldin index; `None` when not asked for or undefined.
    pub davies_bouldin: Option<f64>,
    /// Gap statistic; `None` when not asked for, skipped, or undefined
    /// (zero inertia).
    pub gap: Option<GapScore>,
}

/// The gap statistic at one k (natural logs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GapScore {
    /// `Gap(k) = mean_b log W*_kb − log W_k`.
    pub gap: f64,
    /// `s_k = sd_k · sqrt(1 + 1/B)`, with `sd_k` the (1/B) standard deviation
    /// of the reference `log W*_kb`.
    pub s: f64,
    /// `log W_k`, the log of the data's inertia.
    pub log_w: f64,
    /// `mean_b log W*_kb` over the reference sets.
    pub reference_log_w: f64,
}

/// A criterion a sweep could not compute, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Which criterion (`"gap"`).
    pub criterion: String,
    /// Why, in words a user can act on.
    pub reason: String,
}

/// The result of [`select_k`]: scores per k, in increasing k, and the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KSweep {
    /// One entry per k of the range, in increasing k.
    pub scores: Vec<KScore>,
    /// Rows the silhouette was computed on (all rows, or the sample size);
    /// `None` when the silhouette was not asked for.
    pub silhouette_rows: Option<usize>,
    /// Reference sets of the gap statistic, when it was computed.
    pub gap_references: Option<usize>,
    /// Criteria asked for but not computed, with the reason.
    pub skipped: Vec<Skipped>,
    /// The fitted model of every k, in the order of `scores` (not serialised).
    #[serde(skip)]
    pub models: Vec<Model>,
}

impl KSweep {
    /// The values of k swept.
    pub fn ks(&self) -> Vec<usize> {
        self.scores.iter().map(|s| s.k).collect()
    }
    /// The inertia of every k.
    pub fn inertias(&self) -> Vec<f64> {
        self.scores.iter().map(|s| s.inertia).collect()
    }
    /// The knee of the inertia curve by the Kneedle rule (see [`knee`]).
    pub fn elbow(&self) -> Option<usize> {
        knee(&self.ks(), &self.inertias())
    }
    /// The k of largest mean silhouette (the smallest such k on ties).
    pub fn best_silhouette(&self) -> Option<usize> {
        self.best_by(|s| s.silhouette)
    }
    /// The k of largest Calinski–Harabasz index (the smallest such k on ties).
    pub fn best_calinski_harabasz(&self) -> Option<usize> {
        self.best_by(|s| s.calinski_harabasz)
    }
    /// The k of smallest Davies–Bouldin index (the smallest such k on ties).
    pub fn best_davies_bouldin(&self) -> Option<usize> {
        self.best_by(|s| s.davies_bouldin.map(|v| -v))
    }
    /// The k chosen by the gap statistic (see [`gap_rule`]); `None` when the
    /// gap was not computed or no k of the range meets the rule (sweep
    /// further).
    pub fn gap_k(&self) -> Option<usize> {
        let with_gap: Vec<(usize, GapScore)> = self
            .scores
            .iter()
            .filter_map(|s| s.gap.map(|g| (s.k, g)))
            .collect();
        let ks: Vec<usize> = with_gap.iter().map(|(k, _)| *k).collect();
        let gaps: Vec<f64> = with_gap.iter().map(|(_, g)| g.gap).collect();
        let s: Vec<f64> = with_gap.iter().map(|(_, g)| g.s).collect();
        gap_rule(&ks, &gaps, &s)
    }
    /// The model fitted for `k`, if `k` was swept.
    pub fn model(&self, k: usize) -> Option<&Model> {
        self.scores
            .iter()
            .position(|s| s.k == k)
            .and_then(|i| self.models.get(i))
    }

    fn best_by(&self, value: impl Fn(&KScore) -> Option<f64>) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for s in &self.scores {
            if let Some(v) = value(s) {
                if best.is_none_or(|(_, b)| v > b) {
                    best = Some((s.k, v));
                }
            }
        }
        best.map(|(k, _)| k)
    }
}

/// The knee of a decreasing convex curve such as inertia against k, by the
/// Kneedle rule (Satopää, Albrecht, Irwin & Raghavan 2011): scale both axes
/// to [0, 1], flip the curve to increasing (`1 − y`), subtract the diagonal,
/// and take the k where the difference is largest (the smallest such k).
///
/// `None` when there are fewer than 3 points, the lengths differ, `ks` is not
/// strictly increasing, a value is not finite, the curve is flat, or it never
/// rises above the diagonal (no knee: e.g. a straight line).
pub fn knee(ks: &[usize], inertias: &[f64]) -> Option<usize> {
    if ks.len() != inertias.len() || ks.len() < 3 {
        return None;
    }
    if ks.windows(2).any(|w| w[1] <= w[0]) || inertias.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let (x0, x1) = (ks[0] as f64, ks[ks.len() - 1] as f64);
    let y_min = inertias.iter().copied().fold(f64::INFINITY, f64::min);
    let y_max = inertias.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if y_max <= y_min {
        return None;
    }
    // Differences within rounding of the diagonal are not a knee.
    const TOLERANCE: f64 = 1e-9;
    let mut best: Option<(usize, f64)> = None;
    for (&k, &y) in ks.iter().zip(inertias) {
        let x_norm = (k as f64 - x0) / (x1 - x0);
        let y_flipped = 1.0 - (y - y_min) / (y_max - y_min);
        let diff = y_flipped - x_norm;
        if diff > TOLERANCE && best.is_none_or(|(_, b)| diff > b) {
            best = Some((k, diff));
        }
    }
    best.map(|(k, _)| k)
}

/// Tibshirani, Walther & Hastie's rule: the smallest k with
/// `Gap(k) ≥ Gap(k+1) − s_{k+1}`, among consecutive pairs of `ks`. `None`
/// when the lengths differ or no k meets the rule.
pub fn gap_rule(ks: &[usize], gaps: &[f64], s: &[f64]) -> Option<usize> {
    if ks.len() != gaps.len() || ks.len() != s.len() {
        return None;
    }
    (0..ks.len().saturating_sub(1))
        .find(|&i| ks[i + 1] == ks[i] + 1 && gaps[i] >= gaps[i + 1] - s[i + 1])
        .map(|i| ks[i])
}

/// Fits every k of `ks` with `params` (its `n_clusters` is replaced by each
/// k; the seed stays fixed) and scores each fit by `criteria`.
///
/// `ks` must start at 1 or more and end at most at the number of rows;
/// `params.init` must be a seeding method, not given centroids. The gap
/// statistic draws its B reference sets uniformly in the bounding box of the
/// (prepared) data, each seeded from `params.seed`, gives them the input's
/// sample weights row by row, and fits them with `params`; on sparse input it
/// is skipped when the dense reference sets would exceed
/// [`Criteria::max_dense_cells`]. Silhouette, Calinski–Harabasz and
/// Davies–Bouldin read sparse rows directly.
pub fn select_k<'a>(
    input: impl Into<Input<'a>>,
    ks: RangeInclusive<usize>,
    params: &KMeansParams,
    criteria: &Criteria,
) -> Result<KSweep> {
    let input = input.into();
    params.check()?;
    criteria.check()?;
    validate(&input)?;
    if matches!(params.init, Init::Given(_)) {
        return Err(KMeansError::InvalidParam {
            name: "init",
            value: "given".into(),
            expected: "a seeding method: k changes across the sweep, so given centroids cannot fit",
        });
    }
    let (k_min, k_max) = (*ks.start(), *ks.end());
    if k_min == 0 || k_min > k_max {
        return Err(KMeansError::InvalidParam {
            name: "ks",
            value: format!("{k_min}..={k_max}"),
            expected: "a non-empty range starting at 1 or more",
        });
    }
    let n = input.data.n_rows();
    if k_max > n {
        return Err(KMeansError::TooManyClusters { k: k_max, n });
    }
    with_threads(params.threads, || {
        sweep(input, k_min..=k_max, params, criteria)
    })?
}

fn sweep(
    input: Input,
    ks: RangeInclusive<usize>,
    params: &KMeansParams,
    criteria: &Criteria,
) -> Result<KSweep> {
    let (n, d) = (input.data.n_rows(), input.data.n_cols());
    let prepared = prepare_rows(input, params.metric)?;
    let mut scores = Vec::new();
    let mut models = Vec::new();
    for k in ks.clone() {
        let model = KMeansParams {
            n_clusters: k,
            ..params.clone()
        }
        .fit(input)?;
        let labels = model.labels();
        let n_clusters = count_distinct(labels);
        let (silhouette, calinski_harabasz, davies_bouldin) = match &prepared {
            OwnedRows::Dense(x) => score_labels(
                &DenseRows::from_valid(x.view()),
                labels,
                criteria,
                params.seed,
            ),
            OwnedRows::Sparse(x) => {
                score_labels(&SparseRows::new(x), labels, criteria, params.seed)
            }
        };
        scores.push(KScore {
            k,
            n_clusters,
            inertia: model.inertia,
            silhouette,
            calinski_harabasz,
            davies_bouldin,
            gap: None,
        });
        models.push(model);
    }
    let mut skipped = Vec::new();
    let mut gap_references = None;
    if let Some(b) = criteria.gap_references {
        let sparse = matches!(prepared, OwnedRows::Sparse(_));
        if sparse && n.saturating_mul(d) > criteria.max_dense_cells {
            skipped.push(Skipped {
                criterion: "gap".into(),
                reason: format!(
                    "its reference sets are dense {n} × {d} matrices, above max_dense_cells = {}: \
                     raise the limit or reduce the features",
                    criteria.max_dense_cells
                ),
            });
        } else {
            let gaps = gap_statistic(&prepared, input.weights, ks, params, &scores, b)?;
            for (score, gap) in scores.iter_mut().zip(gaps) {
                score.gap = gap;
            }
            gap_references = Some(b);
        }
    }
    Ok(KSweep {
        scores,
        silhouette_rows: criteria
            .silhouette
            .then_some(n.min(criteria.silhouette_sample)),
        gap_references,
        skipped,
        models,
    })
}

/// Silhouette, Calinski–Harabasz and Davies–Bouldin of one labeling, each
/// `None` when not asked for or undefined for it.
fn score_labels(
    rows: &impl MetricRows,
    labels: &[u32],
    criteria: &Criteria,
    seed: u64,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    // The rows were validated and the labels come from the fit, so the only
    // errors left are "fewer than 2 or as many clusters as rows", where the
    // criterion is undefined: hence `ok()`.
    let silhouette = criteria
        .silhouette
        .then(|| sampled_silhouette_of(rows, labels, criteria.silhouette_sample, seed).ok())
        .flatten();
    let ch = criteria
        .calinski_harabasz
        .then(|| calinski_harabasz_of(rows, labels).ok())
        .flatten();
    let db = criteria
        .davies_bouldin
        .then(|| davies_bouldin_of(rows, labels).ok())
        .flatten();
    (silhouette, ch, db)
}

fn count_distinct(labels: &[u32]) -> usize {
    let mut seen = vec![false; labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0)];
    labels.iter().for_each(|&l| seen[l as usize] = true);
    seen.iter().filter(|&&s| s).count()
}

/// Per-column minimum and maximum of the prepared rows (implicit zeros of a
/// CSR matrix included).
fn bounding_box(rows: &OwnedRows) -> (Vec<f32>, Vec<f32>) {
    match rows {
        OwnedRows::Dense(x) => {
            let d = x.ncols();
            let (mut lo, mut hi) = (vec![f32::INFINITY; d], vec![f32::NEG_INFINITY; d]);
            for row in x.rows() {
                for (j, &v) in row.iter().enumerate() {
                    lo[j] = lo[j].min(v);
                    hi[j] = hi[j].max(v);
                }
            }
            (lo, hi)
        }
        OwnedRows::Sparse(x) => {
            let d = x.n_cols();
            let (mut lo, mut hi) = (vec![f32::INFINITY; d], vec![f32::NEG_INFINITY; d]);
            let mut stored = vec![0usize; d];
            for (&j, &v) in x.indices().iter().zip(x.values()) {
                let j = j as usize;
                lo[j] = lo[j].min(v);
                hi[j] = hi[j].max(v);
                stored[j] += 1;
            }
            for j in 0..d {
                if stored[j] < x.n_rows() {
                    lo[j] = lo[j].min(0.0);
                    hi[j] = hi[j].max(0.0);
                }
            }
            (lo, hi)
        }
    }
}

/// Gap(k) and s_k for every k, from `b` reference sets generated one at a
/// time (so only one is in memory).
fn gap_statistic(
    prepared: &OwnedRows,
    weights: Option<&[f32]>,
    ks: RangeInclusive<usize>,
    params: &KMeansParams,
    scores: &[KScore],
    b: usize,
) -> Result<Vec<Option<GapScore>>> {
    let (lo, hi) = bounding_box(prepared);
    let d = lo.len();
    let n = match prepared {
        OwnedRows::Dense(x) => x.nrows(),
        OwnedRows::Sparse(x) => x.n_rows(),
    };
    let mut ref_logs: Vec<Vec<f64>> = vec![Vec::with_capacity(b); scores.len()];
    for set in 0..b {
        let mut r = rng(params.seed, GAP_STREAM + set as u64);
        let mut reference = Array2::<f32>::zeros((n, d));
        for row in reference.rows_mut() {
            for (j, v) in row.into_iter().enumerate() {
                let u: f64 = r.random();
                *v = (lo[j] as f64 + (hi[j] as f64 - lo[j] as f64) * u) as f32;
            }
        }
        let ref_input = Input {
            data: Data::Dense(reference.view()),
            weights,
        };
        for (logs, k) in ref_logs.iter_mut().zip(ks.clone()) {
            let model = KMeansParams {
                n_clusters: k,
                ..params.clone()
            }
            .fit(ref_input)?;
            logs.push(model.inertia.ln());
        }
    }
    Ok(scores
        .iter()
        .zip(&ref_logs)
        .map(|(score, logs)| {
            let log_w = score.inertia.ln();
            if !log_w.is_finite() || logs.iter().any(|l| !l.is_finite()) {
                return None;
            }
            let mean = logs.iter().sum::<f64>() / b as f64;
            let sd = (logs.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / b as f64).sqrt();
            Some(GapScore {
                gap: mean - log_w,
                s: sd * (1.0 + 1.0 / b as f64).sqrt(),
                log_w,
                reference_log_w: mean,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Csr;
    use crate::KMeans;

    /// Three well-separated Gaussian-ish blobs in 2-D (Box–Muller on ChaCha).
    fn blobs(per: usize, seed: u64) -> Array2<f32> {
        let centres = [[0.0, 0.0], [10.0, 0.0], [5.0, 9.0]];
        let mut r = rng(seed, 0);
        let mut x = Array2::zeros((3 * per, 2));
        for (i, mut row) in x.rows_mut().into_iter().enumerate() {
            let c = centres[i / per];
            for (j, v) in row.iter_mut().enumerate() {
                let (u1, u2): (f64, f64) = (r.random::<f64>().max(1e-300), r.random());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                *v = (c[j] + 0.7 * z) as f32;
            }
        }
        x
    }

    #[test]
    fn knee_of_a_curve_with_a_corner() {
        let ks: Vec<usize> = (1..=8).collect();
        assert_eq!(
            knee(&ks, &[100.0, 50.0, 10.0, 8.0, 6.0, 4.0, 2.0, 0.0]),
            Some(3)
        );
        // Scale and offset do not move it.
        assert_eq!(
            knee(
                &ks,
                &[1100.0, 600.0, 200.0, 180.0, 160.0, 140.0, 120.0, 100.0]
            ),
            Some(3)
        );
        // 1/k on 1..=10: the flipped curve minus the diagonal peaks at k = 3.
        let ks: Vec<usize> = (1..=10).collect();
        let inv: Vec<f64> = ks.iter().map(|&k| 1.0 / k as f64).collect();
        assert_eq!(knee(&ks, &inv), Some(3));
    }

    #[test]
    fn knee_is_none_without_one() {
        let ks: Vec<usize> = (1..=5).collect();
        assert_eq!(
            knee(&ks, &[5.0, 4.0, 3.0, 2.0, 1.0]),
            None,
            "a straight line"
        );
        assert_eq!(knee(&ks, &[5.0, 4.9, 4.7, 4.0, 1.0]), None, "concave");
        assert_eq!(knee(&ks, &[2.0; 5]), None, "flat");
        assert_eq!(knee(&ks[..2], &[2.0, 1.0]), None, "too short");
        assert_eq!(knee(&ks, &[2.0, 1.0]), None, "lengths differ");
        assert_eq!(knee(&[1, 3, 2], &[3.0, 1.0, 0.5]), None, "unsorted");
        assert_eq!(
            knee(&ks, &[5.0, f64::NAN, 1.0, 0.5, 0.0]),
            None,
            "not finite"
        );
    }

    #[test]
    fn gap_rule_takes_the_smallest_k_within_one_s() {
        let ks = [1, 2, 3, 4, 5];
        assert_eq!(
            gap_rule(&ks, &[0.1, 0.5, 1.2, 1.25, 1.22], &[0.1; 5]),
            Some(3)
        );
        // Gap(2) = 1.15 >= Gap(3) − s3 = 1.2 − 0.1.
        assert_eq!(
            gap_rule(&ks, &[0.1, 1.15, 1.2, 1.25, 1.22], &[0.1; 5]),
            Some(2)
        );
        assert_eq!(
            gap_rule(&ks, &[0.1, 0.5, 0.9, 1.3, 1.7], &[0.1; 5]),
            None,
            "still rising"
        );
        assert_eq!(
            gap_rule(&[1, 3], &[1.0, 0.0], &[0.1, 0.1]),
            None,
            "not consecutive"
        );
    }

    #[test]
    fn sweep_on_three_blobs_picks_three_by_every_rule() {
        let x = blobs(60, 11);
        let params = KMeans::params(1).seed(5).n_init(3);
        let sweep = select_k(&x, 1..=6, &params, &Criteria::default().gap(10)).unwrap();
        assert_eq!(sweep.ks(), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(sweep.elbow(), Some(3));
        assert_eq!(sweep.best_silhouette(), Some(3));
        assert_eq!(sweep.best_calinski_harabasz(), Some(3));
        assert_eq!(sweep.best_davies_bouldin(), Some(3));
        assert_eq!(sweep.gap_k(), Some(3));
        assert_eq!(sweep.silhouette_rows, Some(180));
        assert!(sweep.skipped.is_empty());
        // k = 1 has no silhouette, CH or DB, but has a gap.
        let one = &sweep.scores[0];
        assert_eq!(
            (one.silhouette, one.calinski_harabasz, one.davies_bouldin),
            (None, None, None)
        );
        assert!(one.gap.is_some());
        // Scores equal the metric functions on the stored models.
        let m3 = sweep.model(3).unwrap();
        let s3 = &sweep.scores[2];
        assert_eq!(
            s3.silhouette.unwrap(),
            crate::metrics::silhouette_score(x.view(), m3.labels()).unwrap()
        );
        assert_eq!(s3.inertia, m3.inertia);
        assert_eq!(s3.n_clusters, 3);
        // Same seed, same sweep.
        assert_eq!(
            select_k(&x, 1..=6, &params, &Criteria::default().gap(10)).unwrap(),
            sweep
        );
    }

    #[test]
    fn silhouette_is_sampled_above_the_threshold() {
        let x = blobs(40, 3);
        let params = KMeans::params(1).seed(2);
        let sweep = select_k(
            &x,
            2..=4,
            &params,
            &Criteria::default().silhouette_sample(50),
        )
        .unwrap();
        assert_eq!(sweep.silhouette_rows, Some(50));
        let m = sweep.model(3).unwrap();
        let want = crate::metrics::silhouette_score_sampled(x.view(), m.labels(), 50, 2).unwrap();
        assert_eq!(sweep.scores[1].silhouette, Some(want));
    }

    #[test]
    fn sparse_input_reads_rows_directly_and_skips_a_large_gap() {
        let dense = blobs(20, 8).mapv(|v| v + 20.0);
        let csr = Csr::from_dense(dense.view()).unwrap();
        let params = KMeans::params(1).seed(4).n_init(2);
        let criteria = Criteria::default().gap(3);
        let on_sparse =
            select_k(&csr, 2..=4, &params, &criteria.clone().max_dense_cells(10)).unwrap();
        assert_eq!(on_sparse.skipped.len(), 1);
        assert_eq!(on_sparse.skipped[0].criterion, "gap");
        assert!(on_sparse.scores.iter().all(|s| s.gap.is_none()));
        assert_eq!(on_sparse.best_silhouette(), Some(3));
        let small = select_k(&csr, 2..=4, &params, &criteria).unwrap();
        assert!(small.skipped.is_empty());
        assert!(small.scores.iter().all(|s| s.gap.is_some()));
        // Same fits as dense, so the same silhouettes up to rounding.
        let on_dense = select_k(&dense, 2..=4, &params, &criteria).unwrap();
        for (a, b) in on_sparse.scores.iter().zip(&on_dense.scores) {
            if a.inertia == b.inertia {
                assert!((a.silhouette.unwrap() - b.silhouette.unwrap()).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn bad_requests_are_errors() {
        let x = blobs(5, 1);
        let p = KMeans::params(1);
        let c = Criteria::default();
        assert!(matches!(
            select_k(&x, 0..=3, &p, &c),
            Err(KMeansError::InvalidParam { name: "ks", .. })
        ));
        #[allow(clippy::reversed_empty_ranges)]
        let empty = 4..=3;
        assert!(matches!(
            select_k(&x, empty, &p, &c),
            Err(KMeansError::InvalidParam { name: "ks", .. })
        ));
        assert!(matches!(
            select_k(&x, 2..=16, &p, &c),
            Err(KMeansError::TooManyClusters { k: 16, n: 15 })
        ));
        let given = p.clone().init(Init::Given(Array2::zeros((1, 2))));
        assert!(matches!(
            select_k(&x, 2..=3, &given, &c),
            Err(KMeansError::InvalidParam { name: "init", .. })
        ));
        assert!(select_k(&x, 2..=3, &p, &c.clone().silhouette_sample(1)).is_err());
        assert!(select_k(&x, 2..=3, &p, &c.clone().gap(0)).is_err());
        let empty_rows = Array2::<f32>::zeros((0, 2));
        assert!(matches!(
            select_k(&empty_rows, 1..=1, &p, &c),
            Err(KMeansError::NoRows)
        ));
    }

    #[test]
    fn inertia_only_sweep() {
        let x = blobs(10, 6);
        let sweep = select_k(
            &x,
            1..=5,
            &KMeans::params(1).seed(1),
            &Criteria::inertia_only(),
        )
        .unwrap();
        assert!(sweep
            .scores
            .iter()
            .all(|s| s.silhouette.is_none() && s.calinski_harabasz.is_none()));
        assert_eq!(sweep.silhouette_rows, None);
        assert_eq!(sweep.best_silhouette(), None);
        assert_eq!(sweep.gap_k(), None);
        assert!(sweep.inertias().windows(2).all(|w| w[1] <= w[0]));
    }
}
