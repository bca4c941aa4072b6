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
        (
            6 - bin(&self.recency, recency),
            bin(&self.frequency, frequency),
            bin(&self.monetary, monetary),
        )
    }
}

fn bin(upper: &[f64; 4], v: f64) -> u8 {
    1 + upper.iter().filter(|&&t| v > t).count() as u8
}

/// Scores the customers of `table`.
pub fn score(table: &RfmTable) -> Result<Scores> {
    if table.is_empty() {
        return Err(RfmError::NoTransactions(
            "the RFM table has no customers".into(),
        ));
    }
    let mut ranked_first = Vec::new();
    let mut column = |name: &str, values: Vec<f64>, force_rank: bool| -> (Vec<u8>, [f64; 4]) {
        let by_value = if force_rank { None } else { qcut5(&values) };
        let bins = by_value.unwrap_or_else(|| {
            if !force_rank {
                ranked_first.push(name.to_string());
            }
            qcut5_ranks(&rank_first(&values)).unwrap_or_else(|| vec![3; values.len()])
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
        scorer: QuintileScorer {
            recency: r_t,
            frequency: f_t,
            monetary: m_t,
        },
    })
}

/// np.linspace(0, 1, 6): note 0.6000000000000001, which moves edges that
/// land on integers, so the exact values matter for parity.
fn quintile_qs() -> [f64; 6] {
    std::array::from_fn(|i| i as f64 * 0.2)
}

/// `pd.qcut(x, 5, labels=False) + 1`, or `None` when edges collide (pandas
/// raises "Bin edges must be unique"). A single customer also has colliding
/// edges; its rank fallback then gets the middle bin 3.
fn qcut5(x: &[f64]) -> Option<Vec<u8>> {
    // The edges need only the order statistics around each quantile, not
    // the whole sorted column: a few selections instead of a sort.
    let mut need: Vec<usize> = quintile_qs()
        .iter()
        .flat_map(|&q| {
            let (lo, hi, _) = quantile_index(x.len(), q);
            [lo, hi]
        })
        .collect();
    need.sort_unstable();
    need.dedup();
    let stats = order_statistics(x, &need);
    let at = |i: usize| stats[need.binary_search(&i).expect("every index asked for")];
    bin_by_edges(x, quintile_edges(x.len(), at))
}

/// [`qcut5`] of ranks 1..=n (a permutation, as [`rank_first`] gives):
/// sorted, they are 1, 2, …, n.
fn qcut5_ranks(ranks: &[f64]) -> Option<Vec<u8>> {
    bin_by_edges(ranks, quintile_edges(ranks.len(), |i| (i + 1) as f64))
}

/// The quintile edges of n sorted values, the `i`-th given by `at(i)`.
fn quintile_edges(n: usize, at: impl Fn(usize) -> f64) -> [f64; 6] {
    quintile_qs().map(|q| {
        let (lo, hi, t) = quantile_index(n, q);
        lerp(at(lo), at(hi), t)
    })
}

/// Bins by `edges`, or `None` when two edges collide.
fn bin_by_edges(x: &[f64], edges: [f64; 6]) -> Option<Vec<u8>> {
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    // pd.cut(right=True, include_lowest=True): bin = #edges < v, at least 1
    // (counted rather than searched: no branch to mispredict).
    Some(
        x.iter()
            .map(|&v| edges.iter().filter(|&&e| e < v).count().max(1) as u8)
            .collect(),
    )
}

/// Where numpy's default ("linear") quantile `q` of n sorted values reads:
/// the two neighbouring indices and the fraction between them.
fn quantile_index(n: usize, q: f64) -> (usize, usize, f64) {
    let idx = (n - 1) as f64 * q;
    let lo = idx.floor();
    let t = idx - lo;
    let lo = lo as usize;
    (lo, (lo + 1).min(n - 1), t)
}

/// numpy's lerp between neighbours `a` and `b`.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// The values at positions `at` (ascending) of `x` sorted by
/// `f64::total_cmp`. Values equal under it are the same bits, so these are
/// exactly the entries a sort would put there.
fn order_statistics(x: &[f64], at: &[usize]) -> Vec<f64> {
    let mut v = x.to_vec();
    let mut from = 0;
    at.iter()
        .map(|&p| {
            // v[from..] holds the values whose sorted positions are >= from,
            // so position p + 1 (a quantile's upper neighbour) is then a
            // minimum, which the selection finds by a scan.
            let (_, nth, _) = v[from..].select_nth_unstable_by(p - from, f64::total_cmp);
            let value = *nth;
            from = p + 1;
            value
        })
        .collect()
}

/// `Series.rank(method="first")`: 1..n, ties in order of appearance.
fn rank_first(x: &[f64]) -> Vec<f64> {
    // (value as a key that orders as `f64::total_cmp`, position): all keys
    // differ, so an unstable sort gives the one order there is.
    let mut keyed: Vec<(u64, u32)> = x
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let b = v.to_bits() as i64;
            let key = b ^ ((((b >> 63) as u64) >> 1) as i64);
            ((key as u64) ^ (1 << 63), i as u32)
        })
        .collect();
    radix_sort_by_key(&mut keyed);
    let mut ranks = vec![0.0; x.len()];
    for (r, &(_, i)) in keyed.iter().enumerate() {
        ranks[i as usize] = (r + 1) as f64;
    }
    ranks
}

/// Sorts by the `u64` key, keeping the order of equal keys (LSD radix sort,
/// one pass per key byte that is not the same in every entry): with the
/// entries in position order that is the (value, position) order.
fn radix_sort_by_key(v: &mut Vec<(u64, u32)>) {
    let mut counts = [[0usize; 256]; 8];
    for &(k, _) in v.iter() {
        for (byte, c) in counts.iter_mut().enumerate() {
            c[(k >> (8 * byte)) as usize & 255] += 1;
        }
    }
    let mut buf = vec![(0u64, 0u32); v.len()];
    for (byte, count) in counts.iter_mut().enumerate() {
        if count.contains(&v.len()) {
            continue;
        }
        let mut at = 0;
        for c in count.iter_mut() {
            let n = *c;
            *c = at;
            at += n;
        }
        for &e in v.iter() {
            let b = (e.0 >> (8 * byte)) as usize & 255;
            buf[count[b]] = e;
            count[b] += 1;
        }
        std::mem::swap(v, &mut buf);
    }
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
        assert_eq!(
            qcut5(&[1., 2., 3., 4., 5., 6.]).unwrap(),
            vec![1, 1, 2, 3, 4, 5]
        );
        // Colliding edges: pandas raises.
        assert_eq!(qcut5(&[1., 1., 1., 1., 2.]), None);
    }

    #[test]
    fn rank_first_breaks_ties_by_position() {
        assert_eq!(rank_first(&[3., 1., 3., 1.]), vec![3., 1., 4., 2.]);
        // Ordered as f64::total_cmp: -0 before +0, negatives reversed.
        assert_eq!(
            rank_first(&[0.0, -0.0, -2.0, -1.0, f64::INFINITY, 1.0]),
            vec![4., 3., 1., 2., 6., 5.]
        );
    }

    #[test]
    fn radix_sort_is_a_stable_sort_by_key() {
        let mut s: u64 = 7;
        for n in [0usize, 1, 2, 300] {
            let mut v: Vec<(u64, u32)> = (0..n as u32)
                .map(|i| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                    ((s >> 60) << (8 * (s % 8)) | (s >> 62), i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|e| e.0);
            radix_sort_by_key(&mut v);
            assert_eq!(v, want);
        }
    }

    /// The selections give the edges a full sort gives.
    #[test]
    fn qcut_matches_sorting() {
        fn by_sort(x: &[f64]) -> Option<Vec<u8>> {
            let mut sorted = x.to_vec();
            sorted.sort_by(f64::total_cmp);
            bin_by_edges(x, quintile_edges(x.len(), |i| sorted[i]))
        }
        let mut s: u64 = 1;
        for n in [1usize, 2, 3, 5, 6, 7, 10, 11, 97, 1000] {
            for spread in [3u64, 50, 1 << 40] {
                let x: Vec<f64> = (0..n)
                    .map(|_| {
                        s = s
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        ((s >> 33) % spread) as f64 * 0.37 - 2.0
                    })
                    .collect();
                assert_eq!(qcut5(&x), by_sort(&x), "n {n} spread {spread}");
                let r = rank_first(&x);
                assert_eq!(qcut5_ranks(&r), qcut5(&r));
            }
        }
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
