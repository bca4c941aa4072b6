//! Quintile scores 1–5 as the common pandas recipe computes them:
//!
//! ```text
//! R = pd.qcut(recency, 5, labels=[5, 4, 3, 2, 1])
//! F = pd.qcut(frequency.rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
//! M = pd.qcut(monetary, 5, labels=[1, 2, 3, 4, 5])
//! ```
//!
//! Frequency is ranked first because most customers buy once and its
//! quintile edges would collide. When recency or monetary edges collide too
//! (pandas raises there), that column is ranked first as well and the
//! fallback is recorded in [`Scores::ranked_first`].

use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::rfm::RfmTable;

/// Scores of every customer, plus the value thresholds that score new data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Recency score per customer (5 = most recent).
    pub r: Vec<u8>,
    /// Frequency score per customer (5 = most frequent).
    pub f: Vec<u8>,
    /// Monetary score per customer (5 = highest spend).
    pub m: Vec<u8>,
    /// Columns ("recency", "frequency", "monetary") scored on ranks.
    pub ranked_first: Vec<String>,
    /// Thresholds to score customers not in the fit table.
    pub scorer: QuintileScorer,
}

impl Scores {
    /// "RF" code of customer `i`, e.g. "54".
    pub fn rf_code(&self, i: usize) -> String {
        format!("{}{}", self.r[i], self.f[i])
    }
    /// "RFM" code of customer `i`, e.g. "545".
    pub fn rfm_code(&self, i: usize) -> String {
        format!("{}{}{}", self.r[i], self.f[i], self.m[i])
    }
}

/// Value thresholds per column: a value `v` falls in bin `1 + #{t : v > t}`
/// (right-closed bins, as `pd.cut`). Recency bins are reversed into scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuintileScorer {
    /// Upper bounds of bins 1–4 for recency.
    pub recency: [f64; 4],
    /// Upper bounds of bins 1–4 for frequency.
    pub frequency: [f64; 4],
    /// Upper bounds of bins 1–4 for monetary.
    pub monetary: [f64; 4],
}

impl QuintileScorer {
    /// Scores one customer's R, F, M.
    pub fn score(&self, recency: f64, frequency: f64, monetary: f64) -> (u8, u8, u8) {
        (6 - bin(&self.recency, recency), bin(&self.frequency, frequency), bin(&self.monetary, monetary))
    }
}

fn bin(upper: &[f64; 4], v: f64) -> u8 {
    1 + upper.iter().filter(|&&t| v > t).count() as u8
}

/// Scores the customers of `table`.
pub fn score(table: &RfmTable) -> Result<Scores> {
    if table.is_empty() {
        return Err(RfmError::NoTransactions("the RFM table has no customers".into()));
    }
    let mut ranked_first = Vec::new();
    let mut column = |name: &str, values: Vec<f64>, force_rank: bool| -> (Vec<u8>, [f64; 4]) {
        let by_value = if force_rank { None } else { qcut5(&values) };
        let bins = by_value.unwrap_or_else(|| {
            if !force_rank {
                ranked_first.push(name.to_string());
            }
            qcut5(&rank_first(&values)).unwrap_or_else(|| vec![3; values.len()])
        });
        let thresholds = value_thresholds(&values, &bins);
        (bins, thresholds)
    };
    let (r_bins, r_t) = column("recency", table.recency(), false);
    let (f, f_t) = column("frequency", table.frequency(), true);
    let (m, m_t) = column("monetary", table.monetary(), false);
    let r = r_bins.iter().map(|b| 6 - b).collect();
    Ok(Scores {
        r,
        f,
        m,
        ranked_first,
        scorer: QuintileScorer { recency: r_t, frequency: f_t, monetary: m_t },
    })
}

/// `pd.qcut(x, 5, labels=False) + 1`, or `None` when edges collide (pandas
/// raises "Bin edges must be unique"). A single customer also has colliding
/// edges; its rank fallback then gets the middle bin 3.
fn qcut5(x: &[f64]) -> Option<Vec<u8>> {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    // np.linspace(0, 1, 6): note 0.6000000000000001, which moves edges that
    // land on integers, so the exact values matter for parity.
    let qs: [f64; 6] = std::array::from_fn(|i| i as f64 * 0.2);
    let edges: Vec<f64> = qs.iter().map(|&q| quantile_linear(&sorted, q)).collect();
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    // pd.cut(right=True, include_lowest=True): bin = #edges < v, at least 1.
    Some(x.iter().map(|&v| edges.partition_point(|&e| e < v).max(1) as u8).collect())
}

/// numpy's default ("linear") quantile of sorted data, with its lerp.
fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let idx = (n - 1) as f64 * q;
    let lo = idx.floor();
    let t = idx - lo;
    let lo = lo as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// `Series.rank(method="first")`: 1..n, ties in order of appearance.
fn rank_first(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; x.len()];
    for (r, &i) in order.iter().enumerate() {
        ranks[i] = (r + 1) as f64;
    }
    ranks
}

/// Largest value in each of bins 1–4, so new values score like fit values
/// (a value tied across a rank split goes to the lower bin).
fn value_thresholds(values: &[f64], bins: &[u8]) -> [f64; 4] {
    let mut upper = [f64::NEG_INFINITY; 4];
    for (&v, &b) in values.iter().zip(bins) {
        if (1..=4).contains(&b) {
            upper[b as usize - 1] = upper[b as usize - 1].max(v);
        }
    }
    // Empty bins inherit the previous bound so thresholds stay non-decreasing.
    for i in 1..4 {
        upper[i] = upper[i].max(upper[i - 1]);
    }
    upper
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qcut_matches_pandas_on_small_inputs() {
        // pd.qcut(pd.Series(range(1, 11)), 5, labels=False) + 1
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(qcut5(&x).unwrap(), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // pd.qcut(pd.Series([1., 2, 3, 4, 5, 6]), 5, labels=False) + 1 → [1,1,2,3,4,5]
        assert_eq!(qcut5(&[1., 2., 3., 4., 5., 6.]).unwrap(), vec![1, 1, 2, 3, 4, 5]);
        // Colliding edges: pandas raises.
        assert_eq!(qcut5(&[1., 1., 1., 1., 2.]), None);
    }

    #[test]
    fn rank_first_breaks_ties_by_position() {
        assert_eq!(rank_first(&[3., 1., 3., 1.]), vec![3., 1., 4., 2.]);
    }

    #[test]
    fn thresholds_reproduce_value_bins() {
        let x = [5., 1., 9., 3., 7., 2., 8., 4., 6., 10.];
        let bins = qcut5(&x).unwrap();
        let t = value_thresholds(&x, &bins);
        for (&v, &b) in x.iter().zip(&bins) {
            assert_eq!(bin(&t, v), b);
        }
    }
}
