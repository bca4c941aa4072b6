//! Cluster-quality metrics that equal scikit-learn's `sklearn.metrics` (to
//! 1e-9 on f64 data), special cases included.
//!
//! **Label-based** (compare a clustering with reference classes):
//! [`adjusted_rand_index`], [`mutual_info`], [`normalized_mutual_info`]
//! (arithmetic mean of the entropies, scikit-learn's default),
//! [`homogeneity`], [`completeness`], [`v_measure`] and all three at once in
//! [`homogeneity_completeness_v_measure`]. They build a contingency table of
//! the two labelings; labels are arbitrary `u32` values (they need not be
//! `0..k`), entropies use the natural log.
//!
//! **Data-based** (judge a clustering from the data alone), generic over
//! f32 and f64 data through [`Real`] and always computed in f64 with
//! Euclidean distances: [`silhouette_score`], [`silhouette_samples`],
//! [`silhouette_score_sampled`], [`calinski_harabasz`], [`davies_bouldin`],
//! and [`inertia`].
//!
//! Like scikit-learn's, every metric is unweighted; only [`inertia`] takes
//! optional sample weights (it is the k-means objective, which is weighted).
//! f32 data is widened to f64 before any arithmetic, so results equal
//! scikit-learn's on the same data cast to f64.
//!
//! Exact silhouette compares every pair of rows: O(n²·d) time but only O(n + k)
//! memory per worker (each row's distances are summed per cluster as they are
//! computed, never stored). Above [`SILHOUETTE_MAX_EXACT_ROWS`] rows it is
//! refused with an error pointing to [`silhouette_score_sampled`].
//!
//! Parallel work is split by rows and merged in a fixed order, so every result
//! is identical for any number of threads.
//!
//! ```
//! use kmkit_core::metrics;
//! use ndarray::array;
//!
//! let truth = [0, 0, 1, 1];
//! let pred = [0, 0, 1, 2];
//! assert!((metrics::adjusted_rand_index(&truth, &pred)? - 4.0 / 7.0).abs() < 1e-12);
//! assert!((metrics::v_measure(&truth, &pred)? - 0.8).abs() < 1e-12);
//!
//! let x = array![[0.0f64], [1.0], [10.0], [11.0]];
//! let labels = [0, 0, 1, 1];
//! assert!((metrics::calinski_harabasz(x.view(), &labels)? - 200.0).abs() < 1e-9);
//! assert!((metrics::davies_bouldin(x.view(), &labels)? - 0.1).abs() < 1e-12);
//! # Ok::<(), kmkit_core::KMeansError>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::Csr;
use crate::error::{KMeansError, Result};
use crate::points::map_groups;
use crate::seeding::rng;

/// Largest number of rows [`silhouette_score`] and [`silhouette_samples`]
/// accept: above it the O(n²) pair count takes minutes, so use
/// [`silhouette_score_sampled`] instead.
pub const SILHOUETTE_MAX_EXACT_ROWS: usize = 50_000;

/// The random stream of row sampling for [`silhouette_score_sampled`], apart
/// from the streams `fit` uses for its runs.
const SAMPLE_STREAM: u64 = 0x5117_0000_0000_0001;

/// A floating-point element type the data-based metrics read (f32 or f64).
/// Values are widened to f64 before any arithmetic.
pub trait Real: Copy + Send + Sync + 'static {
    /// The value as f64.
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Real for f64 {
    fn to_f64(self) -> f64 {
        self
    }
}

/// Homogeneity, completeness and their harmonic mean, the V-measure (β = 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VMeasure {
    /// Each cluster contains only members of a single class (1 = perfectly).
    pub homogeneity: f64,
    /// All members of a class are in the same cluster (1 = perfectly).
    pub completeness: f64,
    /// Harmonic mean of homogeneity and completeness.
    pub v_measure: f64,
}

// ---------------------------------------------------------------------------
// Label-based metrics
// ---------------------------------------------------------------------------

/// Adjusted Rand index of two labelings: 1 for identical partitions (up to
/// renaming), about 0 for random ones, negative for worse than random.
/// Symmetric. As scikit-learn's `adjusted_rand_score`, including its special
/// case: two labelings that agree on every pair (e.g. both a single cluster,
/// or both all singletons) score exactly 1.0. Pair counts are exact integers.
pub fn adjusted_rand_index(truth: &[u32], pred: &[u32]) -> Result<f64> {
    let ct = Contingency::new(truth, pred)?;
    Ok(ct.adjusted_rand())
}

/// Mutual information (natural log, in nats) of two labelings, as
/// scikit-learn's `mutual_info_score`: 0 when either has a single cluster.
pub fn mutual_info(truth: &[u32], pred: &[u32]) -> Result<f64> {
    let ct = Contingency::new(truth, pred)?;
    Ok(ct.mutual_info())
}

/// Normalised mutual information with the arithmetic mean of the two
/// entropies as normaliser (scikit-learn's default `average_method`).
/// Special cases as scikit-learn: 1.0 when both labelings have a single
/// cluster, 0.0 when the mutual information is 0 otherwise.
pub fn normalized_mutual_info(truth: &[u32], pred: &[u32]) -> Result<f64> {
    let ct = Contingency::new(truth, pred)?;
    if ct.rows.len() == 1 && ct.cols.len() == 1 {
        return Ok(1.0);
    }
    let mi = ct.mutual_info();
    if mi == 0.0 {
        return Ok(0.0);
    }
    let (h_true, h_pred) = (entropy(&ct.rows, ct.n), entropy(&ct.cols, ct.n));
    Ok(mi / ((h_true + h_pred) / 2.0))
}

/// Homogeneity, completeness and V-measure (β = 1) of `pred` against the
/// classes `truth`, as scikit-learn's `homogeneity_completeness_v_measure`:
/// homogeneity is 1.0 when `truth` has a single class, completeness 1.0 when
/// `pred` has a single cluster, and the V-measure 0.0 when both are 0.
pub fn homogeneity_completeness_v_measure(truth: &[u32], pred: &[u32]) -> Result<VMeasure> {
    let ct = Contingency::new(truth, pred)?;
    let (h_true, h_pred) = (entropy(&ct.rows, ct.n), entropy(&ct.cols, ct.n));
    let mi = ct.mutual_info();
    let homogeneity = if h_true != 0.0 { mi / h_true } else { 1.0 };
    let completeness = if h_pred != 0.0 { mi / h_pred } else { 1.0 };
    let v_measure = if homogeneity + completeness == 0.0 {
        0.0
    } else {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    };
    Ok(VMeasure {
        homogeneity,
        completeness,
        v_measure,
    })
}

/// Homogeneity of `pred` against the classes `truth` (see
/// [`homogeneity_completeness_v_measure`]).
pub fn homogeneity(truth: &[u32], pred: &[u32]) -> Result<f64> {
    Ok(homogeneity_completeness_v_measure(truth, pred)?.homogeneity)
}

/// Completeness of `pred` against the classes `truth` (see
/// [`homogeneity_completeness_v_measure`]).
pub fn completeness(truth: &[u32], pred: &[u32]) -> Result<f64> {
    Ok(homogeneity_completeness_v_measure(truth, pred)?.completeness)
}

/// V-measure (β = 1) of `pred` against the classes `truth`; equal to
/// [`normalized_mutual_info`] with the arithmetic mean (see
/// [`homogeneity_completeness_v_measure`]).
pub fn v_measure(truth: &[u32], pred: &[u32]) -> Result<f64> {
    Ok(homogeneity_completeness_v_measure(truth, pred)?.v_measure)
}

/// Labels re-coded to `0..n_labels` in increasing label order (scikit-learn's
/// `LabelEncoder`), with the size of each.
#[derive(Debug)]
struct Encoded {
    codes: Vec<u32>,
    counts: Vec<u64>,
}

fn encode(labels: &[u32]) -> Encoded {
    let n = labels.len();
    let max = labels.iter().copied().max().unwrap_or(0) as usize;
    let codes: Vec<u32> = if max < 2 * n + 1024 {
        // Small label range: a direct lookup table.
        let mut table = vec![u32::MAX; max + 1];
        for &l in labels {
            table[l as usize] = 0;
        }
        for (next, t) in table.iter_mut().filter(|t| **t != u32::MAX).enumerate() {
            *t = next as u32;
        }
        labels.iter().map(|&l| table[l as usize]).collect()
    } else {
        let mut uniq = labels.to_vec();
        uniq.sort_unstable();
        uniq.dedup();
        labels
            .iter()
            .map(|l| match uniq.binary_search(l) {
                Ok(p) | Err(p) => p as u32,
            })
            .collect()
    };
    let n_labels = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut counts = vec![0u64; n_labels];
    for &c in &codes {
        counts[c as usize] += 1;
    }
    Encoded { codes, counts }
}

/// The non-zero cells of the contingency table of two labelings, in row-major
/// order (so sums run in the same order whichever way the table was built),
/// with the row (class) and column (cluster) sizes.
#[derive(Debug)]
struct Contingency {
    n: u64,
    rows: Vec<u64>,
    cols: Vec<u64>,
    cells: Vec<(u32, u32, u64)>,
}

impl Contingency {
    fn new(truth: &[u32], pred: &[u32]) -> Result<Contingency> {
        if truth.len() != pred.len() {
            return Err(KMeansError::Metric(format!(
                "{} true labels but {} predicted labels: give one label of each per sample",
                truth.len(),
                pred.len()
            )));
        }
        if truth.is_empty() {
            return Err(KMeansError::Metric(
                "the labelings are empty: give at least one sample".into(),
            ));
        }
        let (t, p) = (encode(truth), encode(pred));
        let (r, c) = (t.counts.len(), p.counts.len());
        let n = truth.len();
        let cells = if r.saturating_mul(c) <= (4 * n).max(1 << 16) {
            let mut dense = vec![0u64; r * c];
            for (&a, &b) in t.codes.iter().zip(&p.codes) {
                dense[a as usize * c + b as usize] += 1;
            }
            dense
                .iter()
                .enumerate()
                .filter(|(_, &v)| v > 0)
                .map(|(idx, &v)| ((idx / c) as u32, (idx % c) as u32, v))
                .collect()
        } else {
            let mut map: HashMap<(u32, u32), u64> = HashMap::new();
            for (&a, &b) in t.codes.iter().zip(&p.codes) {
                *map.entry((a, b)).or_insert(0) += 1;
            }
            let mut cells: Vec<(u32, u32, u64)> =
                map.into_iter().map(|((a, b), v)| (a, b, v)).collect();
            cells.sort_unstable();
            cells
        };
        Ok(Contingency {
            n: n as u64,
            rows: t.counts,
            cols: p.counts,
            cells,
        })
    }

    /// scikit-learn's `pair_confusion_matrix` then `adjusted_rand_score`, in
    /// exact integers (i128 holds n⁴ for n < 2³¹; beyond, f64).
    fn adjusted_rand(&self) -> f64 {
        let sq = |v: &u64| (*v as i128) * (*v as i128);
        let n = self.n as i128;
        let sum_squares: i128 = self.cells.iter().map(|(_, _, v)| sq(v)).sum();
        let tp = sum_squares - n;
        let fp = self.cols.iter().map(sq).sum::<i128>() - sum_squares;
        let fn_ = self.rows.iter().map(sq).sum::<i128>() - sum_squares;
        let tn = n * n - fp - fn_ - sum_squares;
        if fn_ == 0 && fp == 0 {
            return 1.0;
        }
        if self.n < (1 << 31) {
            let num = tp * tn - fn_ * fp;
            let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
            2.0 * (num as f64) / den as f64
        } else {
            let (tp, tn, fp, fn_) = (tp as f64, tn as f64, fp as f64, fn_ as f64);
            2.0 * (tp * tn - fn_ * fp) / ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn))
        }
    }

    /// scikit-learn's `mutual_info_score` on the table, term for term
    /// (including its zeroing of terms below machine epsilon).
    fn mutual_info(&self) -> f64 {
        if self.rows.len() == 1 || self.cols.len() == 1 {
            return 0.0;
        }
        let total = self.n as f64;
        let log_total = total.ln();
        let mut mi = 0.0;
        for &(i, j, v) in &self.cells {
            let v = v as f64;
            let share = v / total;
            let outer = (self.rows[i as usize] as u128 * self.cols[j as usize] as u128) as f64;
            let log_outer = -outer.ln() + log_total + log_total;
            let term = share * (v.ln() - log_total) + share * log_outer;
            if term.abs() >= f64::EPSILON {
                mi += term;
            }
        }
        mi.max(0.0)
    }
}

/// Entropy (nats) of a labeling given its cluster sizes, as scikit-learn's
/// `entropy`: 0 for a single cluster.
fn entropy(counts: &[u64], n: u64) -> f64 {
    if counts.len() <= 1 {
        return 0.0;
    }
    let total = n as f64;
    let log_total = total.ln();
    -counts
        .iter()
        .map(|&c| {
            let c = c as f64;
            (c / total) * (c.ln() - log_total)
        })
        .sum::<f64>()
}

// ---------------------------------------------------------------------------
// Data-based metrics
// ---------------------------------------------------------------------------

/// Mean silhouette coefficient over all rows (Euclidean), as scikit-learn's
/// `silhouette_score` without sampling. Between −1 and 1; higher is better.
///
/// Needs 2 ≤ number of distinct labels ≤ rows − 1, and at most
/// [`SILHOUETTE_MAX_EXACT_ROWS`] rows (use [`silhouette_score_sampled`] above).
pub fn silhouette_score<T: Real>(x: ArrayView2<T>, labels: &[u32]) -> Result<f64> {
    let rows = DenseRows::new(x, labels)?;
    Ok(mean(&silhouette_of(&rows, labels)?))
}

/// Silhouette coefficient of every row (Euclidean), as scikit-learn's
/// `silhouette_samples`: `(b − a) / max(a, b)` with `a` the mean distance to
/// the rest of its own cluster and `b` the least mean distance to another
/// cluster; 0 for a row alone in its cluster. Same limits as
/// [`silhouette_score`].
pub fn silhouette_samples<T: Real>(x: ArrayView2<T>, labels: &[u32]) -> Result<Vec<f64>> {
    let rows = DenseRows::new(x, labels)?;
    silhouette_of(&rows, labels)
}

/// Mean silhouette of a random subset of `sample_size` rows drawn without
/// replacement (all rows when `sample_size ≥` rows), as scikit-learn's
/// `silhouette_score(…, sample_size, random_state)`: exact silhouette of the
/// subset, distances within the subset only. The subset depends on `seed`
/// and the row count alone.
pub fn silhouette_score_sampled<T: Real>(
    x: ArrayView2<T>,
    labels: &[u32],
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    let rows = DenseRows::new(x, labels)?;
    sampled_silhouette_of(&rows, labels, sample_size, seed)
}

/// Calinski–Harabasz index (variance ratio criterion), as scikit-learn's
/// `calinski_harabasz_score`: between-cluster over within-cluster dispersion,
/// each divided by its degrees of freedom; 1.0 when the within-cluster
/// dispersion is 0. Higher is better. Needs 2 ≤ clusters ≤ rows − 1.
pub fn calinski_harabasz<T: Real>(x: ArrayView2<T>, labels: &[u32]) -> Result<f64> {
    let rows = DenseRows::new(x, labels)?;
    calinski_harabasz_of(&rows, labels)
}

/// Davies–Bouldin index, as scikit-learn's `davies_bouldin_score`: the mean
/// over clusters of the largest `(sᵢ + sⱼ) / ‖μᵢ − μⱼ‖`, with `s` the mean
/// distance of a cluster's rows to its centroid; 0.0 when all `s` or all
/// centroid distances are within 1e-8 of 0. Lower is better. Needs
/// 2 ≤ clusters ≤ rows − 1.
pub fn davies_bouldin<T: Real>(x: ArrayView2<T>, labels: &[u32]) -> Result<f64> {
    let rows = DenseRows::new(x, labels)?;
    davies_bouldin_of(&rows, labels)
}

/// Sum over rows of `wᵢ ‖xᵢ − c_{labelᵢ}‖²` (the k-means objective, weights
/// 1 when `None`), in f64. Labels index the rows of `centroids`.
pub fn inertia<T: Real>(
    x: ArrayView2<T>,
    labels: &[u32],
    centroids: ArrayView2<T>,
    weights: Option<&[T]>,
) -> Result<f64> {
    let rows = DenseRows::new(x, labels)?;
    let (k, d) = centroids.dim();
    if k == 0 {
        return Err(KMeansError::Metric(
            "no centroids given: give one row per cluster".into(),
        ));
    }
    if d != rows.d {
        return Err(KMeansError::Metric(format!(
            "the centroids have {d} columns but the data {}",
            rows.d
        )));
    }
    let mut cents = Vec::with_capacity(k * d);
    for (c, row) in centroids.rows().into_iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let v = v.to_f64();
            if !v.is_finite() {
                return Err(KMeansError::Metric(format!(
                    "centroid {c}, column {j} is {v}: centroids must be finite"
                )));
            }
            cents.push(v);
        }
    }
    if let Some(i) = labels.iter().position(|&l| l as usize >= k) {
        return Err(KMeansError::Metric(format!(
            "label {} of row {i} has no centroid ({k} centroids): labels must be below the number of centroids",
            labels[i]
        )));
    }
    let weights: Option<Vec<f64>> = match weights {
        None => None,
        Some(w) if w.len() != rows.n => {
            return Err(KMeansError::BadWeights(format!(
                "{} weights for {} rows",
                w.len(),
                rows.n
            )));
        }
        Some(w) => {
            let w: Vec<f64> = w.iter().map(|v| v.to_f64()).collect();
            if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return Err(KMeansError::BadWeights(format!(
                    "weight {i} is {}; weights must be finite and >= 0",
                    w[i]
                )));
            }
            Some(w)
        }
    };
    let norms2: Vec<f64> = cents
        .chunks(d)
        .map(|c| c.iter().map(|v| v * v).sum())
        .collect();
    let parts = map_groups(rows.n, |range| {
        range
            .map(|i| {
                let c = labels[i] as usize;
                let w = weights.as_ref().map_or(1.0, |w| w[i]);
                w * rows.point_sq_dist(i, &cents[c * d..(c + 1) * d], norms2[c])
            })
            .sum::<f64>()
    });
    Ok(parts.iter().sum())
}

/// Rows as the data-based metrics read them: in f64, by index. Implemented
/// for dense views, CSR matrices and row subsets of either.
pub(crate) trait MetricRows: Sync {
    /// Number of rows.
    fn n(&self) -> usize;
    /// Number of columns.
    fn d(&self) -> usize;
    /// `sums += row i`.
    fn add_row(&self, i: usize, sums: &mut [f64]);
    /// Squared Euclidean distance between rows `i` and `j`.
    fn row_sq_dist(&self, i: usize, j: usize) -> f64;
    /// Squared Euclidean distance between row `i` and the point `c`, whose
    /// squared norm is `c_norm2`.
    fn point_sq_dist(&self, i: usize, c: &[f64], c_norm2: f64) -> f64;
}

/// A dense matrix checked for the metrics: non-empty, finite, contiguous
/// (copied only when the view is not).
#[derive(Debug)]
pub(crate) struct DenseRows<'a, T: Clone> {
    x: Cow<'a, [T]>,
    n: usize,
    d: usize,
}

impl<'a, T: Real> DenseRows<'a, T> {
    /// Checks `x` against `labels` (one per row) and its values (finite).
    pub(crate) fn new(x: ArrayView2<'a, T>, labels: &[u32]) -> Result<Self> {
        let (n, d) = x.dim();
        check_shape(n, d, labels.len())?;
        for (i, row) in x.rows().into_iter().enumerate() {
            if let Some(j) = row.iter().position(|v| !v.to_f64().is_finite()) {
                return Err(KMeansError::NonFinite {
                    row: i,
                    col: j,
                    value: row[j].to_f64().to_string(),
                });
            }
        }
        Ok(DenseRows::from_valid(x))
    }

    /// Rows of data already known to be finite (e.g. passed `validate`).
    pub(crate) fn from_valid(x: ArrayView2<'a, T>) -> Self {
        let (n, d) = x.dim();
        let x = match x.to_slice() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(x.iter().copied().collect()),
        };
        DenseRows { x, n, d }
    }

    fn row(&self, i: usize) -> &[T] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}

impl<T: Real> MetricRows for DenseRows<'_, T> {
    fn n(&self) -> usize {
        self.n
    }
    fn d(&self) -> usize {
        self.d
    }
    fn add_row(&self, i: usize, sums: &mut [f64]) {
        for (s, v) in sums.iter_mut().zip(self.row(i)) {
            *s += v.to_f64();
        }
    }
    fn row_sq_dist(&self, i: usize, j: usize) -> f64 {
        self.row(i)
            .iter()
            .zip(self.row(j))
            .map(|(a, b)| {
                let t = a.to_f64() - b.to_f64();
                t * t
            })
            .sum()
    }
    fn point_sq_dist(&self, i: usize, c: &[f64], _c_norm2: f64) -> f64 {
        self.row(i)
            .iter()
            .zip(c)
            .map(|(a, b)| {
                let t = a.to_f64() - b;
                t * t
            })
            .sum()
    }
}

/// A CSR matrix for the metrics. Distances between rows merge the two sorted
/// index lists, so they are as exact as the dense ones.
#[derive(Debug)]
pub(crate) struct SparseRows<'a> {
    x: &'a Csr,
}

impl<'a> SparseRows<'a> {
    /// Rows of `x` (CSR values are finite by construction; callers check
    /// the shape against the labels).
    pub(crate) fn new(x: &'a Csr) -> Self {
        SparseRows { x }
    }
}

impl MetricRows for SparseRows<'_> {
    fn n(&self) -> usize {
        self.x.n_rows()
    }
    fn d(&self) -> usize {
        self.x.n_cols()
    }
    fn add_row(&self, i: usize, sums: &mut [f64]) {
        let (idx, val) = self.x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            sums[j as usize] += v as f64;
        }
    }
    fn row_sq_dist(&self, i: usize, j: usize) -> f64 {
        let ((ia, va), (ib, vb)) = (self.x.row(i), self.x.row(j));
        let (mut p, mut q, mut s) = (0, 0, 0.0f64);
        while p < ia.len() && q < ib.len() {
            let t = match ia[p].cmp(&ib[q]) {
                std::cmp::Ordering::Less => {
                    p += 1;
                    va[p - 1] as f64
                }
                std::cmp::Ordering::Greater => {
                    q += 1;
                    vb[q - 1] as f64
                }
                std::cmp::Ordering::Equal => {
                    p += 1;
                    q += 1;
                    va[p - 1] as f64 - vb[q - 1] as f64
                }
            };
            s += t * t;
        }
        s + va[p..]
            .iter()
            .map(|&v| (v as f64) * (v as f64))
            .sum::<f64>()
            + vb[q..]
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum::<f64>()
    }
    fn point_sq_dist(&self, i: usize, c: &[f64], c_norm2: f64) -> f64 {
        // ‖x − c‖² = ‖c‖² + Σ_{j stored} ((x_j − c_j)² − c_j²): no cancellation
        // against ‖x‖², only against the centroid's own mass.
        let (idx, val) = self.x.row(i);
        let on_support: f64 = idx
            .iter()
            .zip(val)
            .map(|(&j, &v)| {
                let cj = c[j as usize];
                let t = v as f64 - cj;
                t * t - cj * cj
            })
            .sum();
        (c_norm2 + on_support).max(0.0)
    }
}

/// Some rows of another [`MetricRows`], in the given order.
#[derive(Debug)]
pub(crate) struct Subset<'r, R> {
    inner: &'r R,
    rows: &'r [usize],
}

impl<R: MetricRows> MetricRows for Subset<'_, R> {
    fn n(&self) -> usize {
        self.rows.len()
    }
    fn d(&self) -> usize {
        self.inner.d()
    }
    fn add_row(&self, i: usize, sums: &mut [f64]) {
        self.inner.add_row(self.rows[i], sums)
    }
    fn row_sq_dist(&self, i: usize, j: usize) -> f64 {
        self.inner.row_sq_dist(self.rows[i], self.rows[j])
    }
    fn point_sq_dist(&self, i: usize, c: &[f64], c_norm2: f64) -> f64 {
        self.inner.point_sq_dist(self.rows[i], c, c_norm2)
    }
}

fn check_shape(n: usize, d: usize, n_labels: usize) -> Result<()> {
    if n == 0 {
        return Err(KMeansError::Metric(
            "the data has no rows: give at least two samples".into(),
        ));
    }
    if d == 0 {
        return Err(KMeansError::Metric(
            "the data has no columns: give at least one feature".into(),
        ));
    }
    if n_labels != n {
        return Err(KMeansError::Metric(format!(
            "{n_labels} labels for {n} rows: give one label per row"
        )));
    }
    Ok(())
}

/// scikit-learn's `check_number_of_labels`: 2 ≤ clusters ≤ samples − 1.
fn check_n_clusters(n_clusters: usize, n: usize) -> Result<()> {
    if n_clusters < 2 || n_clusters >= n {
        return Err(KMeansError::Metric(format!(
            "{n_clusters} distinct label(s) among {n} rows: this metric needs between 2 and n_samples − 1 clusters"
        )));
    }
    Ok(())
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// `m` distinct row indices out of `n`, ascending, fixed by `(n, m, seed)`;
/// all rows when `m ≥ n`.
pub(crate) fn sample_rows(n: usize, m: usize, seed: u64) -> Vec<usize> {
    if m >= n {
        return (0..n).collect();
    }
    let mut r = rng(seed, SAMPLE_STREAM);
    let mut rows = rand::seq::index::sample(&mut r, n, m).into_vec();
    rows.sort_unstable();
    rows
}

/// Silhouette of every row of `x`.
pub(crate) fn silhouette_of(x: &impl MetricRows, labels: &[u32]) -> Result<Vec<f64>> {
    let n = x.n();
    check_shape(n, x.d(), labels.len())?;
    if n > SILHOUETTE_MAX_EXACT_ROWS {
        return Err(KMeansError::Metric(format!(
            "exact silhouette compares every pair of rows, and {n} rows is above the limit of \
             {SILHOUETTE_MAX_EXACT_ROWS}: use silhouette_score_sampled with a sample_size of at most \
             {SILHOUETTE_MAX_EXACT_ROWS}"
        )));
    }
    let enc = encode(labels);
    let k = enc.counts.len();
    check_n_clusters(k, n)?;
    let (codes, counts) = (&enc.codes, &enc.counts);
    // Each row's silhouette depends on that row alone and sums its distances
    // in row order, so the result is the same for any thread count.
    Ok((0..n)
        .into_par_iter()
        .map_init(
            || vec![0.0f64; k],
            |sums, i| {
                sums.fill(0.0);
                for j in 0..n {
                    if j != i {
                        sums[codes[j] as usize] += x.row_sq_dist(i, j).sqrt();
                    }
                }
                let own = codes[i] as usize;
                if counts[own] == 1 {
                    return 0.0;
                }
                let a = sums[own] / (counts[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own)
                    .map(|c| sums[c] / counts[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                let s = (b - a) / a.max(b);
                if s.is_finite() {
                    s
                } else {
                    0.0
                }
            },
        )
        .collect())
}

/// Mean silhouette of a seeded sample of `sample_size` rows of `x`.
pub(crate) fn sampled_silhouette_of(
    x: &impl MetricRows,
    labels: &[u32],
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    if sample_size < 2 {
        return Err(KMeansError::Metric(format!(
            "sample_size = {sample_size}: sample at least 2 rows"
        )));
    }
    if sample_size > SILHOUETTE_MAX_EXACT_ROWS {
        return Err(KMeansError::Metric(format!(
            "sample_size = {sample_size} is above the exact silhouette limit of {SILHOUETTE_MAX_EXACT_ROWS} rows: sample fewer"
        )));
    }
    check_shape(x.n(), x.d(), labels.len())?;
    let rows = sample_rows(x.n(), sample_size, seed);
    let sub_labels: Vec<u32> = rows.iter().map(|&i| labels[i]).collect();
    let sub = Subset {
        inner: x,
        rows: &rows,
    };
    Ok(mean(&silhouette_of(&sub, &sub_labels)?))
}

/// Per-cluster means (`k × d`, row-major) and their squared norms. One
/// sequential pass in row order: deterministic, and cheap next to the rest.
fn cluster_means(x: &impl MetricRows, enc: &Encoded) -> (Vec<f64>, Vec<f64>) {
    let (k, d) = (enc.counts.len(), x.d());
    let mut means = vec![0.0f64; k * d];
    for (i, &c) in enc.codes.iter().enumerate() {
        let c = c as usize;
        x.add_row(i, &mut means[c * d..(c + 1) * d]);
    }
    for (c, m) in means.chunks_mut(d).enumerate() {
        let size = enc.counts[c] as f64;
        m.iter_mut().for_each(|v| *v /= size);
    }
    let norms2 = means
        .chunks(d)
        .map(|m| m.iter().map(|v| v * v).sum())
        .collect();
    (means, norms2)
}

/// Per-cluster sums of `f(squared distance of a row to its cluster mean)`,
/// computed in fixed row groups and merged in group order.
fn per_cluster_sums(
    x: &impl MetricRows,
    enc: &Encoded,
    means: &[f64],
    norms2: &[f64],
    f: impl Fn(f64) -> f64 + Sync,
) -> Vec<f64> {
    let (k, d) = (enc.counts.len(), x.d());
    let parts = map_groups(x.n(), |range| {
        let mut sums = vec![0.0f64; k];
        for i in range {
            let c = enc.codes[i] as usize;
            sums[c] += f(x.point_sq_dist(i, &means[c * d..(c + 1) * d], norms2[c]));
        }
        sums
    });
    let mut total = vec![0.0f64; k];
    for part in &parts {
        total.iter_mut().zip(part).for_each(|(t, p)| *t += p);
    }
    total
}

pub(crate) fn calinski_harabasz_of(x: &impl MetricRows, labels: &[u32]) -> Result<f64> {
    let (n, d) = (x.n(), x.d());
    check_shape(n, d, labels.len())?;
    let enc = encode(labels);
    let k = enc.counts.len();
    check_n_clusters(k, n)?;
    let (means, norms2) = cluster_means(x, &enc);
    let mut overall = vec![0.0f64; d];
    for (c, m) in means.chunks(d).enumerate() {
        let size = enc.counts[c] as f64;
        overall.iter_mut().zip(m).for_each(|(o, v)| *o += size * v);
    }
    overall.iter_mut().for_each(|o| *o /= n as f64);
    let extra: f64 = means
        .chunks(d)
        .zip(&enc.counts)
        .map(|(m, &size)| {
            size as f64
                * m.iter()
                    .zip(&overall)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
        })
        .sum();
    let intra: f64 = per_cluster_sums(x, &enc, &means, &norms2, |d2| d2)
        .iter()
        .sum();
    Ok(if intra == 0.0 {
        1.0
    } else {
        extra * (n - k) as f64 / (intra * (k as f64 - 1.0))
    })
}

pub(crate) fn davies_bouldin_of(x: &impl MetricRows, labels: &[u32]) -> Result<f64> {
    let (n, d) = (x.n(), x.d());
    check_shape(n, d, labels.len())?;
    let enc = encode(labels);
    let k = enc.counts.len();
    check_n_clusters(k, n)?;
    let (means, norms2) = cluster_means(x, &enc);
    let spread: Vec<f64> = per_cluster_sums(x, &enc, &means, &norms2, f64::sqrt)
        .iter()
        .zip(&enc.counts)
        .map(|(s, &size)| s / size as f64)
        .collect();
    // scikit-learn returns 0 when `np.allclose(·, 0)` (|v| ≤ 1e-8) holds for
    // all spreads or for all centroid distances.
    const ATOL: f64 = 1e-8;
    let per_cluster: Vec<(f64, bool)> = (0..k)
        .into_par_iter()
        .map(|i| {
            let mi = &means[i * d..(i + 1) * d];
            let mut score = 0.0f64;
            let mut any_far = false;
            for j in (0..k).filter(|&j| j != i) {
                let mj = &means[j * d..(j + 1) * d];
                let dist = mi
                    .iter()
                    .zip(mj)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
                any_far |= dist > ATOL;
                // A zero distance counts as infinite: its ratio is 0.
                if dist > 0.0 {
                    score = score.max((spread[i] + spread[j]) / dist);
                }
            }
            (score, any_far)
        })
        .collect();
    if spread.iter().all(|s| s.abs() <= ATOL) || !per_cluster.iter().any(|p| p.1) {
        return Ok(0.0);
    }
    Ok(per_cluster.iter().map(|p| p.0).sum::<f64>() / k as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn ari_matches_sklearn_doc_examples() {
        let cases: &[(&[u32], &[u32], f64)] = &[
            (&[0, 0, 1, 1], &[0, 0, 1, 1], 1.0),
            (&[0, 0, 1, 1], &[1, 1, 0, 0], 1.0),
            (&[0, 0, 1, 1], &[0, 0, 1, 2], 4.0 / 7.0),
            (&[0, 0, 1, 2], &[0, 0, 1, 1], 4.0 / 7.0),
            (&[0, 0, 1, 1], &[0, 1, 0, 1], -0.5),
            // Special case: agreement on every pair.
            (&[0, 0, 0], &[5, 5, 5], 1.0),
            (&[0, 1, 2], &[7, 8, 9], 1.0),
            (&[3], &[4], 1.0),
        ];
        for &(t, p, want) in cases {
            close(adjusted_rand_index(t, p).unwrap(), want);
        }
    }

    #[test]
    fn sparse_label_values_give_the_same_table_as_dense_ones() {
        let t = [0, 0, 1, 1, 2, 2];
        let p = [0, 0, 1, 2, 2, 2];
        let t_far: Vec<u32> = t.iter().map(|&l| l * 1_000_000_000).collect();
        let p_far: Vec<u32> = p.iter().map(|&l| u32::MAX - l).collect();
        assert_eq!(
            adjusted_rand_index(&t, &p).unwrap(),
            adjusted_rand_index(&t_far, &p_far).unwrap()
        );
        assert_eq!(
            normalized_mutual_info(&t, &p).unwrap(),
            normalized_mutual_info(&t_far, &p_far).unwrap()
        );
    }

    #[test]
    fn information_metrics_by_hand() {
        // pred refines truth: H(true) = ln 2, H(pred) = 1.5 ln 2, MI = ln 2.
        let (t, p) = ([0, 0, 1, 1], [0, 0, 1, 2]);
        let ln2 = 2f64.ln();
        close(mutual_info(&t, &p).unwrap(), ln2);
        close(normalized_mutual_info(&t, &p).unwrap(), 0.8);
        let v = homogeneity_completeness_v_measure(&t, &p).unwrap();
        close(v.homogeneity, 1.0);
        close(v.completeness, 2.0 / 3.0);
        close(v.v_measure, 0.8);
        close(homogeneity(&t, &p).unwrap(), 1.0);
        close(completeness(&t, &p).unwrap(), 2.0 / 3.0);
        close(v_measure(&t, &p).unwrap(), 0.8);
    }

    #[test]
    fn information_metrics_special_cases() {
        // Both a single cluster: NMI is 1 (sklearn), MI 0, h = c = v = 1.
        close(normalized_mutual_info(&[0, 0, 0], &[1, 1, 1]).unwrap(), 1.0);
        close(mutual_info(&[0, 0, 0], &[1, 1, 1]).unwrap(), 0.0);
        let v = homogeneity_completeness_v_measure(&[0, 0, 0], &[1, 1, 1]).unwrap();
        assert_eq!(
            (v.homogeneity, v.completeness, v.v_measure),
            (1.0, 1.0, 1.0)
        );
        // One side a single cluster: MI 0, NMI 0.
        close(
            normalized_mutual_info(&[0, 0, 1, 1], &[0, 0, 0, 0]).unwrap(),
            0.0,
        );
        let v = homogeneity_completeness_v_measure(&[0, 0, 1, 1], &[0, 0, 0, 0]).unwrap();
        assert_eq!(
            (v.homogeneity, v.completeness, v.v_measure),
            (0.0, 1.0, 0.0)
        );
        // Independent labelings: MI 0, so h = c = 0 and v = 0.
        let v = homogeneity_completeness_v_measure(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert_eq!(
            (v.homogeneity, v.completeness, v.v_measure),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn label_metrics_reject_bad_input() {
        for r in [
            adjusted_rand_index(&[0, 1], &[0]),
            adjusted_rand_index(&[], &[]),
            normalized_mutual_info(&[], &[]),
            mutual_info(&[1], &[]),
            v_measure(&[], &[]),
        ] {
            assert!(matches!(r, Err(KMeansError::Metric(_))), "{r:?}");
        }
    }

    fn line() -> (Array2<f64>, Vec<u32>) {
        (array![[0.0], [1.0], [10.0], [11.0]], vec![0, 0, 1, 1])
    }

    #[test]
    fn silhouette_by_hand() {
        let (x, l) = line();
        let s = silhouette_samples(x.view(), &l).unwrap();
        let (outer, inner) = (9.5 / 10.5, 8.5 / 9.5);
        for (got, want) in s.iter().zip([outer, inner, inner, outer]) {
            close(*got, want);
        }
        close(
            silhouette_score(x.view(), &l).unwrap(),
            (outer + inner) / 2.0,
        );
        // f32 data gives the same f64 answer here (all values exact in f32).
        close(
            silhouette_score(x.mapv(|v| v as f32).view(), &l).unwrap(),
            (outer + inner) / 2.0,
        );
        // Arbitrary label values.
        close(
            silhouette_score(x.view(), &[9, 9, 4, 4]).unwrap(),
            (outer + inner) / 2.0,
        );
    }

    #[test]
    fn silhouette_of_a_singleton_is_zero() {
        let x = array![[0.0f64], [1.0], [5.0]];
        let s = silhouette_samples(x.view(), &[0, 0, 1]).unwrap();
        close(s[2], 0.0);
        // Row 0: a = 1, b = 5; row 1: a = 1, b = 4.
        close(s[0], 4.0 / 5.0);
        close(s[1], 3.0 / 4.0);
    }

    #[test]
    fn silhouette_of_coincident_clusters_is_zero_not_nan() {
        let x = array![[1.0f64, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]];
        let s = silhouette_samples(x.view(), &[0, 0, 1, 1]).unwrap();
        assert_eq!(s, vec![0.0; 4]);
    }

    #[test]
    fn sampled_silhouette_is_deterministic_and_exact_when_sampling_everything() {
        let x = Array2::from_shape_fn((40, 3), |(i, j)| {
            ((i * 7 + j * 3) % 11) as f64 + if i < 20 { 0.0 } else { 9.0 }
        });
        let l: Vec<u32> = (0..40).map(|i| (i >= 20) as u32).collect();
        let exact = silhouette_score(x.view(), &l).unwrap();
        close(
            silhouette_score_sampled(x.view(), &l, 40, 3).unwrap(),
            exact,
        );
        close(
            silhouette_score_sampled(x.view(), &l, 1000, 3).unwrap(),
            exact,
        );
        let a = silhouette_score_sampled(x.view(), &l, 15, 3).unwrap();
        let b = silhouette_score_sampled(x.view(), &l, 15, 3).unwrap();
        assert_eq!(a, b);
        assert_eq!(sample_rows(40, 15, 3).len(), 15);
        assert_ne!(sample_rows(40, 15, 3), sample_rows(40, 15, 4));
        assert!(silhouette_score_sampled(x.view(), &l, 1, 3).is_err());
    }

    #[test]
    fn exact_silhouette_is_refused_above_the_row_limit() {
        let n = SILHOUETTE_MAX_EXACT_ROWS + 1;
        let x = Array2::<f32>::zeros((n, 1));
        let l: Vec<u32> = (0..n as u32).map(|i| i % 2).collect();
        let err = silhouette_score(x.view(), &l).unwrap_err();
        assert!(
            err.to_string().contains("silhouette_score_sampled"),
            "{err}"
        );
        assert!(silhouette_samples(x.view(), &l).is_err());
        assert!(silhouette_score_sampled(x.view(), &l, n, 0).is_err());
    }

    #[test]
    fn calinski_harabasz_and_davies_bouldin_by_hand() {
        let (x, l) = line();
        // Means 0.5, 10.5, overall 5.5: between = 2·25 + 2·25 = 100,
        // within = 4 · 0.25 = 1, ratio = 100 · (4 − 2) / (1 · (2 − 1)).
        close(calinski_harabasz(x.view(), &l).unwrap(), 200.0);
        // Spreads 0.5 and 0.5, centroid distance 10.
        close(davies_bouldin(x.view(), &l).unwrap(), 0.1);
        // Three clusters on a line: spreads 0.5, 0, 1; centres 0.5, 5, 11.
        let x = array![[0.0f64], [1.0], [5.0], [10.0], [12.0]];
        let l = [0, 0, 1, 2, 2];
        let r0 = ((0.5 + 0.0) / 4.5f64).max((0.5 + 1.0) / 10.5);
        let r1 = ((0.0 + 0.5) / 4.5f64).max((0.0 + 1.0) / 6.0);
        let r2 = ((1.0 + 0.5) / 10.5f64).max((1.0 + 0.0) / 6.0);
        close(davies_bouldin(x.view(), &l).unwrap(), (r0 + r1 + r2) / 3.0);
    }

    #[test]
    fn degenerate_dispersions_follow_sklearn() {
        // No within-cluster dispersion: CH is 1.0, DB is 0.0.
        let x = array![[0.0f64], [0.0], [3.0], [3.0]];
        close(calinski_harabasz(x.view(), &[0, 0, 1, 1]).unwrap(), 1.0);
        close(davies_bouldin(x.view(), &[0, 0, 1, 1]).unwrap(), 0.0);
    }

    #[test]
    fn data_metrics_reject_bad_input() {
        let (x, l) = line();
        let empty = Array2::<f64>::zeros((0, 2));
        let one_cluster = [0, 0, 0, 0];
        let all_singletons = [0, 1, 2, 3];
        let errs = [
            silhouette_score(x.view(), &l[..3]).unwrap_err(),
            silhouette_score(empty.view(), &[]).unwrap_err(),
            silhouette_score(x.view(), &one_cluster).unwrap_err(),
            silhouette_score(x.view(), &all_singletons).unwrap_err(),
            calinski_harabasz(x.view(), &one_cluster).unwrap_err(),
            calinski_harabasz(empty.view(), &[]).unwrap_err(),
            davies_bouldin(x.view(), &one_cluster).unwrap_err(),
            davies_bouldin(x.view(), &l[..1]).unwrap_err(),
            silhouette_score(Array2::<f64>::zeros((4, 0)).view(), &l).unwrap_err(),
        ];
        for e in errs {
            assert!(matches!(e, KMeansError::Metric(_)), "{e:?}");
        }
        let nan = array![[0.0f64], [f64::NAN], [10.0], [11.0]];
        assert!(matches!(
            calinski_harabasz(nan.view(), &l),
            Err(KMeansError::NonFinite { row: 1, col: 0, .. })
        ));
    }

    #[test]
    fn inertia_by_hand() {
        let (x, l) = line();
        let c = array![[0.5f64], [10.5]];
        close(inertia(x.view(), &l, c.view(), None).unwrap(), 1.0);
        close(
            inertia(x.view(), &l, c.view(), Some(&[1.0, 2.0, 1.0, 1.0])).unwrap(),
            1.25,
        );
        assert!(inertia(x.view(), &[0, 0, 1, 2], c.view(), None).is_err());
        assert!(inertia(x.view(), &l, c.view(), Some(&[1.0])).is_err());
        assert!(inertia(x.view(), &l, c.view(), Some(&[1.0, -1.0, 1.0, 1.0])).is_err());
        assert!(inertia(x.view(), &l, array![[0.5f64, 0.0]].view(), None).is_err());
    }

    #[test]
    fn inertia_equals_the_fitted_models() {
        let x = Array2::from_shape_fn((60, 2), |(i, j)| {
            ((i * 13 + j * 5) % 17) as f32 + (i / 20) as f32 * 30.0
        });
        let model = crate::KMeans::params(3).seed(1).fit(&x).unwrap();
        let got = inertia(x.view(), model.labels(), model.centroids.view(), None).unwrap();
        assert!(
            (got - model.inertia).abs() <= 1e-5 * model.inertia,
            "{got} vs {}",
            model.inertia
        );
    }

    #[test]
    fn strided_views_are_read_in_logical_order() {
        let (x, l) = line();
        let wide = array![[0.0f64, 7.0], [1.0, 7.0], [10.0, 7.0], [11.0, 7.0]];
        let column = wide.slice(ndarray::s![.., 0..1]);
        assert!(column.to_slice().is_none());
        assert_eq!(
            silhouette_score(column, &l).unwrap(),
            silhouette_score(x.view(), &l).unwrap()
        );
        let t = wide.t().to_owned();
        assert_eq!(
            calinski_harabasz(t.t(), &l).unwrap(),
            calinski_harabasz(wide.view(), &l).unwrap()
        );
    }

    #[test]
    fn sparse_rows_give_the_dense_answers() {
        let dense = array![
            [0.0f32, 1.0, 0.0, 2.0],
            [0.0, 1.5, 0.0, 2.0],
            [3.0, 0.0, 0.0, 0.0],
            [3.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [2.5, 0.5, 0.0, 0.0]
        ];
        let l = [0, 0, 1, 1, 0, 1];
        let csr = Csr::from_dense(dense.view()).unwrap();
        let (s, d) = (
            SparseRows::new(&csr),
            DenseRows::new(dense.view(), &l).unwrap(),
        );
        let close9 = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} != {b}");
        for (a, b) in silhouette_of(&s, &l)
            .unwrap()
            .iter()
            .zip(silhouette_of(&d, &l).unwrap())
        {
            close9(*a, b);
        }
        close9(
            calinski_harabasz_of(&s, &l).unwrap(),
            calinski_harabasz_of(&d, &l).unwrap(),
        );
        close9(
            davies_bouldin_of(&s, &l).unwrap(),
            davies_bouldin_of(&d, &l).unwrap(),
        );
        close9(
            sampled_silhouette_of(&s, &l, 4, 9).unwrap(),
            sampled_silhouette_of(&d, &l, 4, 9).unwrap(),
        );
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let n = 3000;
        let x = Array2::from_shape_fn((n, 5), |(i, j)| {
            (((i * 31 + j * 17) % 101) as f64).sin() * 10.0 + (i % 4) as f64
        });
        let l: Vec<u32> = (0..n as u32).map(|i| i % 4).collect();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                (
                    silhouette_score(x.view(), &l).unwrap(),
                    calinski_harabasz(x.view(), &l).unwrap(),
                    davies_bouldin(x.view(), &l).unwrap(),
                    inertia(x.view(), &l, x.slice(ndarray::s![0..4, ..]), None).unwrap(),
                )
            })
        };
        assert_eq!(run(1), run(3));
    }
}
