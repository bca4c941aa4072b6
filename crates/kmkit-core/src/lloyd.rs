//! Exact Lloyd iterations, written as map (assign + [`PartialStats`]) →
//! merge in fixed order → finalize, with scikit-learn's empty-cluster rule.

use std::borrow::Cow;
use std::ops::Range;

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::params::Metric;
use crate::points::{groups_of_at_least, sequential, Points, Prepared, Scratch, SUM_BLOCK};
use crate::stats::PartialStats;

/// The outcome of one seeded run.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub centroids: Array2<f32>,
    pub labels: Vec<u32>,
    pub inertia: f64,
    pub n_iter: usize,
    pub converged: bool,
}

/// Runs Lloyd from `centroids` until labels stop changing, the total squared
/// centroid shift is at most `tol` (absolute), or `max_iter` steps.
/// As scikit-learn, the returned labels are those of the returned centroids.
///
/// Each step is [`PartialStats::of_points`] done in place: the same row
/// groups, sums added in row order within a group and merged in group
/// order, so the centroids are bit-identical to it. But a group whose labels
/// did not change since the last step keeps its sums (they depend on the
/// labels alone), and the distances to the centroids are computed only when
/// a cluster empties and at the end: near convergence, when few rows still
/// move, a step is little more than the assignment.
pub(crate) fn lloyd(
    points: &(impl Points + ?Sized),
    mut centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
    metric: Metric,
) -> Run {
    if points.sparse() {
        return lloyd_recompute(points, centroids, max_iter, tol, metric);
    }
    let n = points.n();
    let (k, d) = centroids.dim();
    let mut labels = vec![0u32; n];
    let mut old_labels = vec![u32::MAX; n];
    let mut dists = vec![0f32; n];
    // The row groups of `assign_all`, which `of_points` merges in order.
    let ranges = groups_of_at_least(n, k.saturating_mul(d) / 16);
    let size = ranges.first().map_or(1, |r| r.len());
    let mut groups: Vec<GroupSums> = ranges
        .iter()
        .map(|r| GroupSums {
            rows: r.clone(),
            sums: vec![0.0; k * d],
            weights: vec![0.0; k],
            valid: false,
        })
        .collect();
    let mut stats = PartialStats::zeros(k, d);
    let mut converged = false;
    let mut strict = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let prep = points.prepare(centroids.view());
        let step = |((l, old), (dd, g)): GroupSlices, scratch: &mut Scratch| {
            // Block by block, so that a changed group adds its rows while
            // they are still in cache (as `assign_fold`); an unchanged one
            // is only assigned. Rows are added in row order either way.
            let start = g.rows.start;
            let mut dirty = !g.valid;
            if dirty {
                g.sums.fill(0.0);
                g.weights.fill(0.0);
            }
            for s in g.rows.clone().step_by(SUM_BLOCK) {
                let e = (s + SUM_BLOCK).min(g.rows.end);
                let (lo, hi) = (s - start, e - start);
                points.assign_labels(s..e, &prep, &mut l[lo..hi], &mut dd[lo..hi], scratch);
                if !dirty && l[lo..hi] != old[lo..hi] {
                    dirty = true;
                    g.sums.fill(0.0);
                    g.weights.fill(0.0);
                    points.accumulate(start..s, &l[..lo], &mut g.sums, &mut g.weights);
                }
                if dirty {
                    points.accumulate(s..e, &l[lo..hi], &mut g.sums, &mut g.weights);
                }
            }
            g.valid = true;
            dirty
        };
        let changed = if sequential() {
            let mut scratch = Scratch::default();
            labels
                .chunks_mut(size)
                .zip(old_labels.chunks(size))
                .zip(dists.chunks_mut(size).zip(groups.iter_mut()))
                .map(|item| step(item, &mut scratch))
                .fold(false, |a, b| a | b)
        } else {
            labels
                .par_chunks_mut(size)
                .zip(old_labels.par_chunks(size))
                .zip(dists.par_chunks_mut(size).zip(groups.par_iter_mut()))
                .map(|item| step(item, &mut Scratch::default()))
                .reduce(|| false, |a, b| a | b)
        };
        // `PartialStats::merge` of each group into zeros, in group order.
        stats.sums.fill(0.0);
        stats.weights.fill(0.0);
        for g in &groups {
            stats
                .sums
                .iter_mut()
                .zip(&g.sums)
                .for_each(|(a, b)| *a += b);
            stats
                .weights
                .iter_mut()
                .zip(&g.weights)
                .for_each(|(a, b)| *a += b);
        }
        let empty = n_empty(&stats) > 0;
        if empty {
            // Relocation picks the rows farthest from their centroid.
            dists_to(points, &prep, &ranges, &labels, &mut dists);
        }
        let (new, relocated) = update(points, &stats, &labels, &dists, centroids.view(), metric);
        if !changed && !relocated {
            // Centroids are the means of these labels, which did not change;
            // the inertia is that of this step's distances.
            if !empty {
                dists_to(points, &prep, &ranges, &labels, &mut dists);
            }
            centroids = new;
            converged = true;
            strict = true;
            break;
        }
        drop(prep);
        let shift = sq_shift(&new, &centroids);
        centroids = new;
        if shift <= tol {
            converged = true;
            break;
        }
        std::mem::swap(&mut labels, &mut old_labels);
    }
    finish(points, centroids, labels, dists, strict, n_iter, converged)
}

/// A group's labels, its labels at the last step, its distances and sums.
type GroupSlices<'a> = (
    (&'a mut [u32], &'a [u32]),
    (&'a mut [f32], &'a mut GroupSums),
);

/// One row group's share of a Lloyd step: its sums and weights per cluster,
/// valid for the labels its rows had at the last step.
struct GroupSums {
    rows: Range<usize>,
    sums: Vec<f64>,
    weights: Vec<f64>,
    valid: bool,
}

/// Every row's distance to its labelled centroid, as the assignment gives it.
fn dists_to(
    points: &(impl Points + ?Sized),
    prep: &Prepared,
    ranges: &[Range<usize>],
    labels: &[u32],
    dists: &mut [f32],
) {
    let size = ranges.first().map_or(1, |r| r.len());
    let one = |((l, dd), r): ((&[u32], &mut [f32]), &Range<usize>)| {
        points.dists_to(r.clone(), prep, l, dd)
    };
    if sequential() {
        labels
            .chunks(size)
            .zip(dists.chunks_mut(size))
            .zip(ranges)
            .for_each(one);
    } else {
        labels
            .par_chunks(size)
            .zip(dists.par_chunks_mut(size))
            .zip(ranges.par_iter())
            .for_each(one);
    }
}

/// Lloyd recomputing the whole statistics every step: sparse rows, whose
/// statistics sum each cluster's rows in row order rather than by group
/// (`PartialStats::recompute`).
fn lloyd_recompute(
    points: &(impl Points + ?Sized),
    mut centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
    metric: Metric,
) -> Run {
    let n = points.n();
    let mut labels = vec![0u32; n];
    let mut old_labels = vec![u32::MAX; n];
    let mut dists = vec![0f32; n];
    let mut converged = false;
    let mut strict = false;
    let mut n_iter = 0;
    let mut stats = PartialStats::zeros(0, 0);
    for it in 0..max_iter {
        n_iter = it + 1;
        stats.recompute(points, centroids.view(), &mut labels, &mut dists);
        let (new, relocated) = update(points, &stats, &labels, &dists, centroids.view(), metric);
        let shift = sq_shift(&new, &centroids);
        centroids = new;
        if labels == old_labels && !relocated {
            converged = true;
            strict = true;
            break;
        }
        if shift <= tol {
            converged = true;
            break;
        }
        std::mem::swap(&mut labels, &mut old_labels);
    }
    finish(points, centroids, labels, dists, strict, n_iter, converged)
}

/// The total squared shift from `old` to `new` centroids (the `tol` test).
/// Element `i` (row-major) goes to partial sum `i % 8`, the eight added in
/// order at the end: one running sum made this a chain of k·d dependent adds,
/// 8 % of a sparse TF-IDF fit's time (k·d = 105,000).
pub(crate) fn sq_shift(new: &Array2<f32>, old: &Array2<f32>) -> f64 {
    let mut acc = [0.0f64; 8];
    let sq = |a: f32, b: f32| (a as f64 - b as f64) * (a as f64 - b as f64);
    match (new.as_slice(), old.as_slice()) {
        (Some(a), Some(b)) => {
            for (x, y) in a.chunks(8).zip(b.chunks(8)) {
                for (l, (&a, &b)) in x.iter().zip(y).enumerate() {
                    acc[l] += sq(a, b);
                }
            }
        }
        _ => {
            for (i, (&a, &b)) in new.iter().zip(old.iter()).enumerate() {
                acc[i % 8] += sq(a, b);
            }
        }
    }
    acc.iter().sum()
}

/// The run's outcome. When the labels did not change (`strict`) the
/// centroids are the means of these labels and `dists` are current; else a
/// last assignment makes labels and inertia match the final centroids.
pub(crate) fn finish(
    points: &(impl Points + ?Sized),
    centroids: Array2<f32>,
    mut labels: Vec<u32>,
    mut dists: Vec<f32>,
    strict: bool,
    n_iter: usize,
    converged: bool,
) -> Run {
    let inertia = if strict {
        weighted_sum(points, &dists)
    } else {
        PartialStats::of_points(points, centroids.view(), &mut labels, &mut dists).inertia
    };
    Run {
        centroids,
        labels,
        inertia,
        n_iter,
        converged,
    }
}

fn weighted_sum(points: &(impl Points + ?Sized), dists: &[f32]) -> f64 {
    crate::points::map_groups(points.n(), |r| {
        r.map(|i| points.weight(i) * dists[i] as f64).sum::<f64>()
    })
    .iter()
    .sum()
}

/// A row that will seed an empty cluster: its distance to its centroid, its
/// index, current cluster, weight and values.
pub(crate) struct FarRow {
    pub dist: f32,
    pub index: usize,
    pub label: u32,
    pub weight: f64,
    pub row: Vec<f32>,
}

impl FarRow {
    /// `Less` when `self` goes first: farther first; exact ties by the row's
    /// values, then weight, then cluster, and only then by index. Ties must
    /// not be broken by position first, or the fit would depend on the order
    /// of the rows (found by the row-order property soak): rows that tie on
    /// everything before the index are interchangeable, so picking either
    /// gives the same centroids.
    pub fn order(&self, other: &Self) -> std::cmp::Ordering {
        other
            .dist
            .total_cmp(&self.dist)
            .then_with(|| {
                self.row
                    .iter()
                    .zip(&other.row)
                    .map(|(a, b)| a.total_cmp(b))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then(other.weight.total_cmp(&self.weight))
            .then(self.label.cmp(&other.label))
            .then(self.index.cmp(&other.index))
    }
}

/// Number of clusters without weight in `stats`: how many farthest rows
/// [`apply_update`] needs.
pub(crate) fn n_empty(stats: &PartialStats) -> usize {
    stats.weights.iter().filter(|&&w| w <= 0.0).count()
}

/// New centroids from merged statistics. Clusters without weight take the
/// rows farthest from their own centroid (scikit-learn's rule: the i-th empty
/// cluster gets the i-th farthest row, which leaves its old cluster's sums;
/// ties as [`FarRow::order`]).
/// Under the cosine metric centroids are renormalised to unit length.
/// Returns the centroids and whether any cluster was relocated.
pub(crate) fn update(
    points: &(impl Points + ?Sized),
    stats: &PartialStats,
    labels: &[u32],
    dists: &[f32],
    previous: ArrayView2<f32>,
    metric: Metric,
) -> (Array2<f32>, bool) {
    let m = n_empty(stats);
    let far_rows = if m > 0 {
        farthest(points, labels, dists, m, 0)
    } else {
        Vec::new()
    };
    apply_update(stats, &far_rows, previous, metric)
}

/// The `m` rows of positive weight farthest from their centroid, in
/// [`FarRow::order`] (`offset`: the global index of row 0, for partitions).
/// Only the rows tied with the m-th farthest are read to break ties.
pub(crate) fn farthest(
    points: &(impl Points + ?Sized),
    labels: &[u32],
    dists: &[f32],
    m: usize,
    offset: usize,
) -> Vec<FarRow> {
    let mut far: Vec<usize> = (0..points.n())
        .filter(|&i| points.weight(i) > 0.0)
        .collect();
    far.sort_by(|&a, &b| dists[b].total_cmp(&dists[a]));
    let cut = match m.checked_sub(1).map(|last| far.get(last)) {
        None => 0,
        Some(Some(&i)) => far.partition_point(|&j| dists[j].total_cmp(&dists[i]).is_ge()),
        Some(None) => far.len(),
    };
    let mut rows: Vec<FarRow> = far[..cut]
        .iter()
        .map(|&i| {
            let mut row = vec![0.0f32; points.d()];
            points.row_into(i, &mut row);
            FarRow {
                dist: dists[i],
                index: offset + i,
                label: labels[i],
                weight: points.weight(i),
                row,
            }
        })
        .collect();
    rows.sort_by(FarRow::order);
    rows.truncate(m);
    rows
}

/// [`update`] given the farthest rows (in [`FarRow::order`]), however they were gathered: in memory,
/// or by a pass over chunks ([`crate::chunked`]).
pub(crate) fn apply_update(
    stats: &PartialStats,
    far: &[FarRow],
    previous: ArrayView2<f32>,
    metric: Metric,
) -> (Array2<f32>, bool) {
    let (k, d) = (stats.k, stats.d);
    let empty: Vec<usize> = (0..k).filter(|&c| stats.weights[c] <= 0.0).collect();
    // Copied only when rows move (k·d per iteration otherwise).
    let mut sums = Cow::Borrowed(&stats.sums);
    let mut weights = Cow::Borrowed(&stats.weights);
    if !empty.is_empty() {
        let (sums, weights) = (sums.to_mut(), weights.to_mut());
        for (&c, f) in empty.iter().zip(far) {
            let (w, old) = (f.weight, f.label as usize);
            for j in 0..d {
                sums[old * d + j] -= w * f.row[j] as f64;
                sums[c * d + j] = w * f.row[j] as f64;
            }
            weights[old] -= w;
            weights[c] = w;
        }
    }
    let mut out = previous.as_standard_layout().into_owned();
    for c in 0..k {
        if weights[c] <= 0.0 {
            continue;
        }
        let s = &sums[c * d..(c + 1) * d];
        let mut row = out.row_mut(c);
        let o = row.as_slice_mut().expect("fresh array is contiguous");
        match metric {
            Metric::Euclidean => {
                for (o, &v) in o.iter_mut().zip(s) {
                    *o = (v / weights[c]) as f32;
                }
            }
            Metric::Cosine => {
                let norm = s.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for (o, &v) in o.iter_mut().zip(s) {
                        *o = (v / norm) as f32;
                    }
                }
            }
        }
    }
    (out, !empty.is_empty())
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::sq_shift;

    /// The shift is the same bits whatever the arrays' memory layout (the
    /// partial sums follow the row-major index, not the storage), and the
    /// plain sum up to rounding.
    #[test]
    fn sq_shift_ignores_layout() {
        let (k, d) = (7, 13);
        let v = |s: f32| move |(i, j): (usize, usize)| ((i * d + j) as f32 * s).sin() * 3.0;
        let (a, b) = (
            Array2::from_shape_fn((k, d), v(0.7)),
            Array2::from_shape_fn((k, d), v(1.3)),
        );
        let (fa, fb) = (
            Array2::from_shape_fn((k, d).f(), v(0.7)),
            Array2::from_shape_fn((k, d).f(), v(1.3)),
        );
        assert!(
            fa.as_slice().is_none(),
            "the test needs a column-major array"
        );
        let shift = sq_shift(&a, &b);
        assert_eq!(shift.to_bits(), sq_shift(&fa, &fb).to_bits());
        assert_eq!(shift.to_bits(), sq_shift(&fa, &b).to_bits());
        let plain: f64 = a
            .iter()
            .zip(b.iter())
            .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
            .sum();
        assert!((shift - plain).abs() <= 1e-12 * plain, "{shift} vs {plain}");
    }
}
