//! Yinyang k-means (Ding et al. 2015): centroids are grouped once (k-means on
//! the initial centroids, t ≈ k/10 groups); each row keeps an upper bound and
//! one lower bound per group. A global test skips the row, a group test skips
//! whole groups. Memory n×t, so it scales to large n and k where Elkan's n×k
//! cannot. Same assignment sequence as Lloyd.

use ndarray::Array2;
use rayon::prelude::*;

use crate::bounded::{iterate, BoundState, SLACK};
use crate::lloyd::{lloyd, Run};
use crate::params::Metric;
use crate::points::{groups as row_groups, DenseRows, Points};
use crate::stats::PartialStats;

pub(crate) fn yinyang(
    points: &(impl Points + ?Sized),
    centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
    metric: Metric,
) -> Run {
    let (n, k) = (points.n(), centroids.nrows());
    let group_of = group_centroids(&centroids);
    let t = group_of.iter().map(|&g| g + 1).max().unwrap_or(1);
    let members: Vec<Vec<usize>> = (0..t)
        .map(|g| (0..k).filter(|&c| group_of[c] == g).collect())
        .collect();
    let mut state = Bounds {
        members,
        labels: vec![0; n],
        upper: vec![f32::INFINITY; n],
        lower: vec![0.0; n * t],
    };
    iterate(points, centroids, max_iter, tol, metric, &mut state)
}

/// Per-row state: label, upper bound, and one lower bound per centroid group.
struct Bounds {
    members: Vec<Vec<usize>>,
    labels: Vec<u32>,
    upper: Vec<f32>,
    lower: Vec<f32>,
}

impl BoundState for Bounds {
    fn step<P: Points + ?Sized>(&mut self, points: &P, centroids: &Array2<f32>) -> PartialStats {
        step(
            points,
            centroids,
            &self.members,
            &mut self.labels,
            &mut self.upper,
            &mut self.lower,
        )
    }
    fn labels(&self) -> &[u32] {
        &self.labels
    }
    fn loosen(&mut self, moved: &[f32]) {
        let group_moved: Vec<f32> = self
            .members
            .iter()
            .map(|m| m.iter().map(|&c| moved[c]).fold(0.0, f32::max))
            .collect();
        let labels = &self.labels;
        self.upper
            .par_iter_mut()
            .zip(labels.par_iter())
            .for_each(|(u, &a)| *u += moved[a as usize]);
        self.lower.par_chunks_mut(self.members.len()).for_each(|l| {
            for (lg, &m) in l.iter_mut().zip(&group_moved) {
                *lg -= m;
            }
        });
    }
    fn reset(&mut self) {
        self.upper.fill(f32::INFINITY);
        self.lower.fill(0.0);
    }
}

/// Groups the centroids by a few Lloyd steps over the centroids themselves,
/// seeded with evenly spaced centroids (deterministic, as the paper's 5 steps).
fn group_centroids(centroids: &Array2<f32>) -> Vec<usize> {
    let (k, d) = centroids.dim();
    let t = (k / 10).max(1);
    if t == 1 {
        return vec![0; k];
    }
    let rows = DenseRows::new(centroids.as_slice().expect("contiguous"), k, d, None);
    let init = rows.gather(&(0..t).map(|g| g * k / t).collect::<Vec<_>>());
    let run = lloyd(&rows, init, 5, 0.0, Metric::Euclidean);
    // A group left empty is harmless: its bound stays +inf and it is never examined.
    run.labels.iter().map(|&l| l as usize).collect()
}

fn step(
    points: &(impl Points + ?Sized),
    centroids: &Array2<f32>,
    members: &[Vec<usize>],
    labels: &mut [u32],
    upper: &mut [f32],
    lower: &mut [f32],
) -> PartialStats {
    let (k, d) = centroids.dim();
    let t = members.len();
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
    let ranges = row_groups(points.n());
    let size = ranges.first().map_or(1, |r| r.len());
    let parts: Vec<PartialStats> = labels
        .par_chunks_mut(size)
        .zip(upper.par_chunks_mut(size))
        .zip(lower.par_chunks_mut(size * t))
        .zip(ranges.into_par_iter())
        .map(|(((lab, up), low), range)| {
            let mut st = PartialStats::zeros(k, d);
            for (o, i) in range.clone().enumerate() {
                let l = &mut low[o * t..(o + 1) * t];
                let mut a = lab[o] as usize;
                let mut u = up[o];
                let global = l.iter().copied().fold(f32::INFINITY, f32::min);
                if u * (1.0 + SLACK) > global {
                    u = points.sq_dist(i, rows[a], norms[a]).sqrt();
                    if u * (1.0 + SLACK) > global {
                        // Re-examine every group whose bound does not clear the row;
                        // a group's new bound is its nearest centroid other than the winner.
                        let (old_a, d_old) = (a, u);
                        let mut nearest = vec![f32::INFINITY; t];
                        let mut second = vec![f32::INFINITY; t];
                        let mut examined = vec![false; t];
                        for (g, m) in members.iter().enumerate() {
                            if u * (1.0 + SLACK) <= l[g] && !m.contains(&old_a) {
                                continue;
                            }
                            examined[g] = true;
                            for &c in m {
                                let dc = if c == old_a {
                                    d_old
                                } else {
                                    points.sq_dist(i, rows[c], norms[c]).sqrt()
                                };
                                if dc < nearest[g] {
                                    second[g] = nearest[g];
                                    nearest[g] = dc;
                                } else if dc < second[g] {
                                    second[g] = dc;
                                }
                                if dc < u || (dc == u && c < a) {
                                    a = c;
                                    u = dc;
                                }
                            }
                        }
                        for g in 0..t {
                            if !examined[g] {
                                continue;
                            }
                            // The winner's own distance cannot bound its group from below.
                            l[g] = if members[g].contains(&a) {
                                second[g]
                            } else {
                                nearest[g]
                            };
                        }
                    }
                }
                lab[o] = a as u32;
                up[o] = u;
            }
            st.add_range(points, range, lab, up.iter().map(|&u| u * u));
            st
        })
        .collect();
    let mut total = PartialStats::zeros(k, d);
    for p in &parts {
        total.merge(p).expect("same shape");
    }
    total
}
