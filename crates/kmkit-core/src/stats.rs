//! [`PartialStats`]: what one pass over a slice of the data contributes to a
//! Lloyd step. Merging is associative, so the same type drives threads,
//! out-of-core passes and distributed engines.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::{validate, Data, Input};
use crate::error::{KMeansError, Result};
use crate::points::{assign_fold, DenseRows, Points, SparseRows};

/// Per-cluster weighted sums, weights and inertia of one slice of the data,
/// all in f64 so that merge order changes results only at rounding level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialStats {
    /// Clusters.
    pub k: usize,
    /// Dimension.
    pub d: usize,
    /// `k × d` row-major weighted coordinate sums.
    pub sums: Vec<f64>,
    /// Total weight per cluster.
    pub weights: Vec<f64>,
    /// Weighted sum of squared distances to the assigned centroid.
    pub inertia: f64,
}

impl PartialStats {
    /// Zero statistics for `k` clusters in `d` dimensions.
    pub fn zeros(k: usize, d: usize) -> Self {
        PartialStats {
            k,
            d,
            sums: vec![0.0; k * d],
            weights: vec![0.0; k],
            inertia: 0.0,
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &PartialStats) -> Result<()> {
        if (self.k, self.d) != (other.k, other.d) {
            return Err(KMeansError::ShapeMismatch(format!(
                "cannot merge stats of {}×{} with {}×{}",
                self.k, self.d, other.k, other.d
            )));
        }
        self.sums
            .iter_mut()
            .zip(&other.sums)
            .for_each(|(a, b)| *a += b);
        self.weights
            .iter_mut()
            .zip(&other.weights)
            .for_each(|(a, b)| *a += b);
        self.inertia += other.inertia;
        Ok(())
    }

    /// The new centroids: weighted means; a cluster with no weight keeps its
    /// previous centroid (`previous`), since a single slice cannot know the
    /// farthest points of the whole data. [`crate::KMeans`] fits relocate
    /// empty clusters properly.
    pub fn finalize(&self, previous: ArrayView2<f32>) -> Array2<f32> {
        let mut out = previous.to_owned();
        for c in 0..self.k {
            if self.weights[c] > 0.0 {
                for j in 0..self.d {
                    out[[c, j]] = (self.sums[c * self.d + j] / self.weights[c]) as f32;
                }
            }
        }
        out
    }

    pub(crate) fn add(&mut self, points: &(impl Points + ?Sized), i: usize, label: u32, dist: f32) {
        let w = points.weight(i);
        let c = label as usize;
        self.weights[c] += w;
        self.inertia += w * dist as f64;
        points.add_to(i, w, &mut self.sums[c * self.d..(c + 1) * self.d]);
    }

    /// Statistics of all `points` against `centroids`, merged in fixed order.
    pub(crate) fn of_points(
        points: &(impl Points + ?Sized),
        centroids: ArrayView2<f32>,
        labels: &mut [u32],
        dists: &mut [f32],
    ) -> PartialStats {
        let (k, d) = centroids.dim();
        let parts = assign_fold(
            points,
            centroids,
            labels,
            dists,
            || PartialStats::zeros(k, d),
            |st, range, l, dd| {
                for (o, i) in range.enumerate() {
                    st.add(points, i, l[o], dd[o]);
                }
            },
        );
        let mut total = PartialStats::zeros(k, d);
        for p in &parts {
            total.merge(p).expect("same shape by construction");
        }
        total
    }
}

/// One Lloyd map step over `input` against `centroids`: the building block of
/// out-of-core and distributed fits (map chunks → `partial_stats`, `merge` in
/// a fixed order, `finalize`). Euclidean metric; normalise rows first for cosine.
pub fn partial_stats<'a>(
    input: impl Into<Input<'a>>,
    centroids: ArrayView2<f32>,
) -> Result<PartialStats> {
    let input = input.into();
    validate(&input)?;
    let centroids = centroids.as_standard_layout();
    if centroids.ncols() != input.data.n_cols() {
        return Err(KMeansError::ShapeMismatch(format!(
            "centroids have {} columns, data {}",
            centroids.ncols(),
            input.data.n_cols()
        )));
    }
    if centroids.nrows() == 0 || centroids.iter().any(|v| !v.is_finite()) {
        return Err(KMeansError::BadInit(
            "centroids must be non-empty and finite".into(),
        ));
    }
    let n = input.data.n_rows();
    let (mut labels, mut dists) = (vec![0u32; n], vec![0f32; n]);
    Ok(match input.data {
        Data::Dense(x) => {
            let x = x.as_standard_layout();
            let rows = DenseRows::new(
                x.as_slice().expect("standard layout"),
                n,
                x.ncols(),
                input.weights,
            );
            PartialStats::of_points(&rows, centroids.view(), &mut labels, &mut dists)
        }
        Data::Sparse(x) => {
            let rows = SparseRows::new(x, input.weights);
            PartialStats::of_points(&rows, centroids.view(), &mut labels, &mut dists)
        }
    })
}
