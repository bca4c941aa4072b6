//! The iteration loop the bounded algorithms (Hamerly, Elkan, Yinyang) share:
//! each keeps its own per-row bounds behind [`BoundState`]; the loop around
//! them (centroid update, convergence, final exact assignment) is Lloyd's.

use ndarray::Array2;

use crate::lloyd::{update, Run};
use crate::params::Metric;
use crate::points::Points;
use crate::stats::PartialStats;

/// Bound tests must win by this relative margin, so rounding only ever
/// causes an extra distance computation, never a wrongly skipped one.
pub(crate) const SLACK: f32 = 1e-5;

/// What a bounded algorithm keeps per row between iterations.
pub(crate) trait BoundState {
    /// One assignment pass against `centroids`, skipping rows and centroids
    /// the bounds rule out; returns the step's statistics.
    fn step<P: Points + ?Sized>(&mut self, points: &P, centroids: &Array2<f32>) -> PartialStats;
    /// The current label of every row.
    fn labels(&self) -> &[u32];
    /// Centroid `c` moved by `moved[c]` (Euclidean): loosen the bounds.
    fn loosen(&mut self, moved: &[f32]);
    /// A relocated centroid jumps anywhere: forget the bounds (labels stay).
    fn reset(&mut self);
}

/// Runs a bounded algorithm from `centroids` with Lloyd's stopping rules; as
/// [`crate::lloyd::lloyd`], the returned labels are those of the final centroids.
pub(crate) fn iterate(
    points: &(impl Points + ?Sized),
    mut centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
    metric: Metric,
    state: &mut impl BoundState,
) -> Run {
    let n = points.n();
    let mut old_labels = vec![u32::MAX; n];
    let mut dists = vec![0f32; n];
    let mut converged = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let stats = state.step(points, &centroids);
        // Bounds stand in for exact distances; those are needed only when a
        // cluster is empty and rows must be ranked by distance.
        if stats.weights.iter().any(|&w| w <= 0.0) {
            exact_dists(points, &centroids, state.labels(), &mut dists);
        }
        let (new, relocated) = update(
            points,
            &stats,
            state.labels(),
            &dists,
            centroids.view(),
            metric,
        );
        let moved: Vec<f32> = new
            .rows()
            .into_iter()
            .zip(centroids.rows())
            .map(|(a, b)| {
                a.iter()
                    .zip(b)
                    .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
                    .sum::<f64>()
                    .sqrt() as f32
            })
            .collect();
        let shift: f64 = moved.iter().map(|&m| (m as f64).powi(2)).sum();
        centroids = new;
        if (state.labels() == old_labels.as_slice() && !relocated) || shift <= tol {
            converged = true;
            break;
        }
        old_labels.copy_from_slice(state.labels());
        if relocated {
            state.reset();
        } else {
            state.loosen(&moved);
        }
    }
    let mut labels = vec![0u32; n];
    let stats = PartialStats::of_points(points, centroids.view(), &mut labels, &mut dists);
    Run {
        centroids,
        labels,
        inertia: stats.inertia,
        n_iter,
        converged,
    }
}

fn exact_dists(
    points: &(impl Points + ?Sized),
    centroids: &Array2<f32>,
    labels: &[u32],
    dists: &mut [f32],
) {
    for (i, dd) in dists.iter_mut().enumerate() {
        let c = centroids.row(labels[i] as usize);
        let norm: f64 = c.iter().map(|&v| (v as f64).powi(2)).sum();
        *dd = points.sq_dist(i, c.as_slice().expect("contiguous"), norm);
    }
}
