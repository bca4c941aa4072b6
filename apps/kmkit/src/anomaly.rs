//! Anomalies as rows far from every centroid: the score of a row is its
//! Euclidean distance to the nearest centroid, and a row is flagged when its
//! score is above a threshold — one for all rows or one per cluster, set by a
//! contamination share or a percentile. Scored against known labels with the
//! ROC AUC.

use std::cmp::Ordering;

/// How the threshold is set.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdRule {
    /// Flag about this share of rows (0 < c < 1).
    Contamination(f64),
    /// Flag rows above this percentile of the scores (0 < p < 100).
    Percentile(f64),
}

impl ThresholdRule {
    /// The quantile of the scores the threshold sits at.
    pub fn quantile(&self) -> f64 {
        match *self {
            ThresholdRule::Contamination(c) => 1.0 - c,
            ThresholdRule::Percentile(p) => p / 100.0,
        }
    }
}

/// Linear-interpolation quantile (numpy's default) of unsorted values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// The threshold for each of `k` clusters: the same global quantile for all,
/// or each cluster's own quantile when `per_cluster`.
pub fn thresholds(scores: &[f64], labels: &[u32], k: usize, rule: ThresholdRule, per_cluster: bool) -> Vec<f64> {
    let q = rule.quantile();
    if !per_cluster {
        return vec![quantile(scores, q); k];
    }
    (0..k)
        .map(|c| {
            let own: Vec<f64> = scores.iter().zip(labels).filter(|(_, &l)| l as usize == c).map(|(&s, _)| s).collect();
            // An empty cluster flags nothing.
            if own.is_empty() {
                f64::INFINITY
            } else {
                quantile(&own, q)
            }
        })
        .collect()
}

/// Whether each row's score is above its cluster's threshold.
pub fn flag(scores: &[f64], labels: &[u32], thresholds: &[f64]) -> Vec<bool> {
    scores.iter().zip(labels).map(|(&s, &l)| s > thresholds[l as usize]).collect()
}

/// Row indices by decreasing score (ties by row order).
pub fn ranked(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap_or(Ordering::Equal).then(a.cmp(&b)));
    order
}

/// Area under the ROC curve of `scores` for `positive` rows (the
/// Mann–Whitney statistic, ties counted half), as scikit-learn's
/// `roc_auc_score`. `None` when one of the two classes is absent.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 || scores.len() != positive.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks (1-based) over runs of equal scores.
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += avg_rank * order[i..=j].iter().filter(|&&r| positive[r]).count() as f64;
        i = j + 1;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_sklearn_examples() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
        // Ties count half: roc_auc_score([0, 1], [0.5, 0.5]) == 0.5
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(roc_auc(&[1.0, 2.0], &[true, true]), None);
    }

    #[test]
    fn quantile_is_numpy_linear() {
        // numpy.quantile([1, 2, 3, 4, 10], 0.9) == 7.6
        assert!((quantile(&[4.0, 1.0, 10.0, 3.0, 2.0], 0.9) - 7.6).abs() < 1e-12);
    }

    #[test]
    fn thresholds_flag_the_asked_share() {
        let scores: Vec<f64> = (0..100).map(f64::from).collect();
        let labels: Vec<u32> = (0..100).map(|i| (i % 2) as u32).collect();
        let t = thresholds(&scores, &labels, 2, ThresholdRule::Contamination(0.05), false);
        assert_eq!(flag(&scores, &labels, &t).iter().filter(|&&f| f).count(), 5);
        let t = thresholds(&scores, &labels, 3, ThresholdRule::Percentile(90.0), true);
        assert!(t[0] < t[1] && t[2].is_infinite());
        assert_eq!(flag(&scores, &labels, &t).iter().filter(|&&f| f).count(), 10);
        assert_eq!(ranked(&[0.2, 0.9, 0.5])[..], [1, 2, 0]);
    }
}
