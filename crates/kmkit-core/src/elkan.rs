//! Elkan's exact k-means (Elkan 2003): a lower bound per row *and* centroid,
//! plus centroid–centroid distances, so that a row re-checks only the
//! centroids that could have become nearer. Memory n×k f32: `auto` uses it
//! only when that is small. Same assignment sequence as Lloyd.

use ndarray::Array2;

use crate::bounded::{iterate, BoundState, SLACK};
use crate::lloyd::Run;
use crate::params::Metric;
use crate::points::{groups, Points};
use crate::stats::PartialStats;
use rayon::prelude::*;

pub(crate) fn elkan(
    points: &(impl Points + ?Sized),
    centroids: Array2<f32>,
    max_iter: usize,
    tol: f64,
    metric: Metric,
) -> Run {
    let (n, k) = (points.n(), centroids.nrows());
    let mut state = Bounds {
        k,
        labels: vec![0; n],
        upper: vec![f32::INFINITY; n],
        lower: vec![0.0; n * k],
    };
    iterate(points, centroids, max_iter, tol, metric, &mut state)
}

/// Per-row state: label, upper bound, and one lower bound per centroid.
struct Bounds {
    k: usize,
    labels: Vec<u32>,
    upper: Vec<f32>,
    lower: Vec<f32>,
}

impl BoundState for Bounds {
    fn step<P: Points + ?Sized>(&mut self, points: &P, centroids: &Array2<f32>) -> PartialStats {
        let cc = centre_distances(centroids);
        step(
            points,
            centroids,
            &cc,
            &mut self.labels,
            &mut self.upper,
            &mut self.lower,
        )
    }
    fn labels(&self) -> &[u32] {
        &self.labels
    }
    fn loosen(&mut self, moved: &[f32]) {
        let labels = &self.labels;
        self.upper
            .par_iter_mut()
            .zip(labels.par_iter())
            .for_each(|(u, &a)| *u += moved[a as usize]);
        self.lower.par_chunks_mut(self.k).for_each(|l| {
            for (lc, &m) in l.iter_mut().zip(moved) {
                *lc = (*lc - m).max(0.0);
            }
        });
    }
    fn reset(&mut self) {
        self.upper.fill(f32::INFINITY);
        self.lower.fill(0.0);
    }
}

/// `k × k` centroid distances (Euclidean, not squared).
fn centre_distances(c: &Array2<f32>) -> Vec<f32> {
    let k = c.nrows();
    let mut out = vec![0f32; k * k];
    for a in 0..k {
        for b in (a + 1)..k {
            let s: f64 = c
                .row(a)
                .iter()
                .zip(c.row(b))
                .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
                .sum();
            out[a * k + b] = s.sqrt() as f32;
            out[b * k + a] = out[a * k + b];
        }
    }
    out
}

fn step(
    points: &(impl Points + ?Sized),
    centroids: &Array2<f32>,
    cc: &[f32],
    labels: &mut [u32],
    upper: &mut [f32],
    lower: &mut [f32],
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
    let half_gap: Vec<f32> = (0..k)
        .map(|a| {
            (0..k)
                .filter(|&b| b != a)
                .map(|b| cc[a * k + b])
                .fold(f32::INFINITY, f32::min)
                / 2.0
        })
        .collect();
    let ranges = groups(points.n());
    let size = ranges.first().map_or(1, |r| r.len());
    let parts: Vec<PartialStats> = labels
        .par_chunks_mut(size)
        .zip(upper.par_chunks_mut(size))
        .zip(lower.par_chunks_mut(size * k))
        .zip(ranges.into_par_iter())
        .map(|(((lab, up), low), range)| {
            let mut st = PartialStats::zeros(k, d);
            for (o, i) in range.clone().enumerate() {
                let l = &mut low[o * k..(o + 1) * k];
                let mut a = lab[o] as usize;
                let mut u = up[o];
                if u * (1.0 + SLACK) > half_gap[a] {
                    let mut tight = false;
                    for c in 0..k {
                        if c == a
                            || u * (1.0 + SLACK) <= l[c]
                            || u * (1.0 + SLACK) <= cc[a * k + c] / 2.0
                        {
                            continue;
                        }
                        if !tight {
                            u = points.sq_dist(i, rows[a], norms[a]).sqrt();
                            l[a] = u;
                            tight = true;
                            if u * (1.0 + SLACK) <= l[c] || u * (1.0 + SLACK) <= cc[a * k + c] / 2.0
                            {
                                continue;
                            }
                        }
                        let dc = points.sq_dist(i, rows[c], norms[c]).sqrt();
                        l[c] = dc;
                        // Ties go to the lower index, as in Lloyd's kernel.
                        if dc < u || (dc == u && c < a) {
                            a = c;
                            u = dc;
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
