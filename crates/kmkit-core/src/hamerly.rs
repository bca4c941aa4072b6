//! Hamerly's exact k-means (Hamerly 2010): one upper bound (to the assigned
//! centroid) and one lower bound (to the second nearest) per row let most
//! rows skip the distance computations once centroids settle. It follows the
//! same sequence of assignments as Lloyd, so it reaches the same fixed point.
//!
//! Bounds are Euclidean (not squared) distances in f32, compared with a small
//! relative slack so that rounding can only make a row be re-checked, never
//! wrongly skipped.

use ndarray::Array2;

use crate::bounded::{iterate, BoundState, SLACK};
use crate::lloyd::Run;
use crate::params::Metric;
use crate::points::{map_groups, Points};
use crate::stats::PartialStats;

/// Per-row state: label and the two bounds.
struct Bounds {
    labels: Vec<u32>,
    upper: Vec<f32>,
    lower: Vec<f32>,
}

impl BoundState for Bounds {
    fn step<P: Points + ?Sized>(&mut self, points: &P, centroids: &Array2<f32>) -> PartialStats {
        step(points, centroids, &half_nearest_gap(centroids), self)
    }
    fn labels(&self) -> &[u32] {
        &self.labels
    }
    fn loosen(&mut self, moved: &[f32]) {
        loosen(self, moved);
    }
    fn reset(&mut self) {
        self.upper.fill(f32::INFINITY);
        self.lower.fill(0.0);
    }
}

pub(crate) fn hamerly(
    points: &(impl Points + ?Sized),
    centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
    metric: Metric,
) -> Run {
    let n = points.n();
    let mut state = Bounds {
        labels: vec![0; n],
        upper: vec![f32::INFINITY; n],
        lower: vec![0.0; n],
    };
    iterate(points, centroids, max_iter, tol, metric, &mut state)
}

/// Half the distance from each centroid to its nearest other centroid.
fn half_nearest_gap(centroids: &Array2<f32>) -> Vec<f32> {
    let k = centroids.nrows();
    (0..k)
        .map(|c| {
            let mut best = f64::INFINITY;
            for o in 0..k {
                if o != c {
                    let s: f64 = centroids
                        .row(c)
                        .iter()
                        .zip(centroids.row(o))
                        .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                        .sum();
                    best = best.min(s);
                }
            }
            if k == 1 {
                f32::INFINITY
            } else {
                (best.sqrt() / 2.0) as f32
            }
        })
        .collect()
}

/// One assignment pass with bound tests, returning the step's statistics.
fn step(
    points: &(impl Points + ?Sized),
    centroids: &Array2<f32>,
    half_gap: &[f32],
    b: &mut Bounds,
) -> PartialStats {
    let (k, d) = centroids.dim();
    let norms: Vec<f64> = centroids
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| (v as f64).powi(2)).sum())
        .collect();
    let rows: Vec<&[f32]> = centroids
        .rows()
        .into_iter()
        .map(|r| r.to_slice().expect("contiguous"))
        .collect();
    let flat = centroids.as_slice().expect("centroids are contiguous");
    let all: Vec<u32> = (0..k as u32).collect();
    let parts = map_groups(points.n(), |range| {
        let mut updates = Vec::new();
        let mut st = PartialStats::zeros(k, d);
        // The group's labels and squared upper bounds after this step, added
        // up once at the end (adding row by row, a kernel call per row, made
        // this step 4–6× slower than Lloyd's at d = 3).
        let mut dists = vec![0f32; k];
        let mut labels = Vec::with_capacity(range.len());
        let mut dist2 = Vec::with_capacity(range.len());
        for i in range.clone() {
            let (mut a, mut upper, mut lower) = (b.labels[i] as usize, b.upper[i], b.lower[i]);
            let m = half_gap[a].max(lower);
            if upper * (1.0 + SLACK) > m {
                upper = points.sq_dist(i, rows[a], norms[a]).sqrt();
                if upper * (1.0 + SLACK) > m {
                    // Every centroid in one call (the values `sq_dist` gives
                    // one by one, bit for bit): k + 1 calls per row were
                    // most of a step at d = 3.
                    points.sq_dists(i, flat, &norms, &all, &mut dists);
                    let (mut d1, mut c1, mut d2) = (f32::INFINITY, 0usize, f32::INFINITY);
                    for (c, &dc) in dists.iter().enumerate() {
                        if dc < d1 {
                            d2 = d1;
                            d1 = dc;
                            c1 = c;
                        } else if dc < d2 {
                            d2 = dc;
                        }
                    }
                    a = c1;
                    upper = d1.sqrt();
                    lower = d2.sqrt();
                }
                updates.push((i, a as u32, upper, lower));
            }
            labels.push(a as u32);
            dist2.push(upper * upper);
        }
        st.add_range(points, range, &labels, dist2);
        (updates, st)
    });
    let mut total = PartialStats::zeros(k, d);
    for (updates, st) in parts {
        for (i, a, u, l) in updates {
            b.labels[i] = a;
            b.upper[i] = u;
            b.lower[i] = l;
        }
        total.merge(&st).expect("same shape");
    }
    total
}

/// After centroids move, an upper bound grows by its centroid's move and a
/// lower bound shrinks by the largest move of any other centroid.
fn loosen(b: &mut Bounds, moved: &[f32]) {
    let (mut m1, mut c1, mut m2) = (0.0f32, usize::MAX, 0.0f32);
    for (c, &m) in moved.iter().enumerate() {
        if m > m1 {
            m2 = m1;
            m1 = m;
            c1 = c;
        } else if m > m2 {
            m2 = m;
        }
    }
    for i in 0..b.labels.len() {
        let a = b.labels[i] as usize;
        b.upper[i] += moved[a];
        b.lower[i] -= if a == c1 { m2 } else { m1 };
    }
}
