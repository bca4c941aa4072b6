//! Yinyang k-means (Ding et al. 2015): centroids are grouped once (k-means on
//! the initial centroids, t ≈ k/10 groups); each row keeps an upper bound and
//! one lower bound per group. A global test skips the row, a group test skips
//! whole groups. Memory n×t, so it scales to large n and k where Elkan's n×k
//! cannot. Same assignment sequence as Lloyd.

use ndarray::Array2;
use rayon::prelude::*;

use crate::lloyd::{lloyd, update, Run};
use crate::params::Metric;
use crate::points::{groups as row_groups, DenseRows, Points};
use crate::stats::PartialStats;

/// Bound tests must win by this relative margin (rounding only costs work).
const SLACK: f32 = 1e-5;

pub(crate) fn yinyang(
    points: &(impl Points + ?Sized),
    mut centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
    metric: Metric,
) -> Run {
    let n = points.n();
    let (k, d) = centroids.dim();
    let group_of = group_centroids(&centroids);
    let t = group_of.iter().map(|&g| g + 1).max().unwrap_or(1);
    let members: Vec<Vec<usize>> = (0..t)
        .map(|g| (0..k).filter(|&c| group_of[c] == g).collect())
        .collect();
    let mut labels = vec![0u32; n];
    let mut upper = vec![f32::INFINITY; n];
    let mut lower = vec![0f32; n * t];
    let mut old_labels = vec![u32::MAX; n];
    let mut dists = vec![0f32; n];
    let mut converged = false;
    let mut n_iter = 0;
    for it in 0..max_iter {
        n_iter = it + 1;
        let stats = step(
            points,
            &centroids,
            &members,
            &mut labels,
            &mut upper,
            &mut lower,
        );
        if stats.weights.iter().any(|&w| w <= 0.0) {
            for (i, dd) in dists.iter_mut().enumerate() {
                let c = centroids.row(labels[i] as usize);
                let norm: f64 = c.iter().map(|&v| (v as f64).powi(2)).sum();
                *dd = points.sq_dist(i, c.as_slice().expect("contiguous"), norm);
            }
        }
        let (new, relocated) = update(points, &stats, &labels, &dists, centroids.view(), metric);
        let moved: Vec<f32> = (0..k)
            .map(|c| {
                (0..d)
                    .map(|j| (new[[c, j]] as f64 - centroids[[c, j]] as f64).powi(2))
                    .sum::<f64>()
                    .sqrt() as f32
            })
            .collect();
        let shift: f64 = moved.iter().map(|&m| (m as f64).powi(2)).sum();
        centroids = new;
        if labels == old_labels && !relocated {
            converged = true;
            break;
        }
        if shift <= tol {
            converged = true;
            break;
        }
        old_labels.copy_from_slice(&labels);
        if relocated {
            upper.fill(f32::INFINITY);
            lower.fill(0.0);
            continue;
        }
        let group_moved: Vec<f32> = members
            .iter()
            .map(|m| m.iter().map(|&c| moved[c]).fold(0.0, f32::max))
            .collect();
        upper
            .par_iter_mut()
            .zip(labels.par_iter())
            .for_each(|(u, &a)| *u += moved[a as usize]);
        lower.par_chunks_mut(t).for_each(|l| {
            for (lg, &m) in l.iter_mut().zip(&group_moved) {
                *lg -= m;
            }
        });
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
            for (o, i) in range.enumerate() {
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
                st.add(points, i, a as u32, u * u);
            }
            st
        })
        .collect();
    let mut total = PartialStats::zeros(k, d);
    for p in &parts {
        total.merge(p).expect("same shape");
    }
    total
}
