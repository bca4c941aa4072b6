//! The fitted model: centroids and what produced them; predict, transform,
//! score, and a versioned JSON form.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::data::{validate, Input};
use crate::error::{KMeansError, Result};
use crate::fit::{prepare_rows, with_threads, Rows};
use crate::minibatch::MiniBatchSettings;
use crate::params::{KMeansParams, Metric};
use crate::points::{assign_all, Points};

/// Version of the JSON model format; bumped on incompatible changes.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// JSON format version ([`MODEL_FORMAT_VERSION`]).
    pub format_version: u32,
    /// `k × d` centroids (unit length under the cosine metric).
    pub centroids: Array2<f32>,
    /// Weighted sum of squared distances of the fit rows to their centroid
    /// (for cosine: of the L2-normalised rows, i.e. `2 Σ w (1 − cos)`).
    pub inertia: f64,
    /// Iterations of the best run.
    pub n_iter: usize,
    /// Whether the best run met the tolerance or stopped changing labels.
    pub converged: bool,
    /// The parameters of the fit. For a mini-batch model these are the
    /// settings it shares with exact k-means (`algorithm` unused).
    pub params: KMeansParams,
    /// The mini-batch settings when the model was fitted by
    /// [`MiniBatchKMeans`](crate::MiniBatchKMeans); `None` for exact fits.
    /// Left out of the JSON when `None`: an optional, additive field, so
    /// files without it still load and the format version stays 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minibatch: Option<MiniBatchSettings>,
    /// Non-fatal findings, e.g. fewer distinct rows than clusters.
    pub warnings: Vec<String>,
    /// Labels of the fit rows (not serialised).
    #[serde(skip)]
    pub(crate) labels: Vec<u32>,
}

impl Model {
    /// A model from centroids found elsewhere (a saved palette, a codebook,
    /// another tool), so `predict`, `transform` and `score` work on them.
    /// `inertia` and `n_iter` are 0 and there are no fit labels. Under the
    /// cosine metric the rows are L2-normalised (they must not be zero).
    pub fn from_centroids(centroids: Array2<f32>, metric: Metric) -> Result<Model> {
        let (k, d) = centroids.dim();
        if k == 0 || d == 0 {
            return Err(KMeansError::BadInit(format!(
                "centroids must have at least one row and one column, got {k} × {d}"
            )));
        }
        if centroids.iter().any(|v| !v.is_finite()) {
            return Err(KMeansError::BadInit(
                "centroids contain NaN or infinite values".into(),
            ));
        }
        let centroids = match metric {
            Metric::Euclidean => centroids,
            Metric::Cosine => {
                if centroids
                    .rows()
                    .into_iter()
                    .any(|r| r.iter().all(|&v| v == 0.0))
                {
                    return Err(KMeansError::BadInit(
                        "a zero centroid has no direction under the cosine metric".into(),
                    ));
                }
                crate::fit::normalize_rows(centroids)
            }
        };
        Ok(Model {
            format_version: MODEL_FORMAT_VERSION,
            centroids,
            inertia: 0.0,
            n_iter: 0,
            converged: true,
            params: KMeansParams::new(k).metric(metric),
            minibatch: None,
            warnings: Vec::new(),
            labels: Vec::new(),
        })
    }

    /// Number of clusters (rows of `centroids`).
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }
    /// Labels of the rows the model was fitted on (empty after `from_json`).
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }
    /// Metric the model was fitted with.
    pub fn metric(&self) -> Metric {
        self.params.metric
    }

    /// Nearest centroid of every row.
    pub fn predict<'a>(&self, x: impl Into<Input<'a>>) -> Result<Vec<u32>> {
        Ok(self.assign(x.into())?.0)
    }

    /// Labels and the weighted sum of squared distances to the nearest centroid.
    pub fn assign(&self, input: Input) -> Result<(Vec<u32>, Vec<f32>)> {
        self.check_input(&input)?;
        with_threads(self.params.threads, || {
            let owned = prepare_rows(input, self.params.metric)?;
            let n = input.data.n_rows();
            let (mut labels, mut dists) = (vec![0u32; n], vec![0f32; n]);
            let centroids = self.centroids.as_standard_layout();
            match owned.rows(input.weights) {
                Rows::Dense(p) => {
                    assign_all(&p, centroids.view(), &mut labels, &mut dists, |_, _, _| ())
                }
                Rows::Sparse(p) => {
                    assign_all(&p, centroids.view(), &mut labels, &mut dists, |_, _, _| ())
                }
            };
            Ok((labels, dists))
        })?
    }

    /// Euclidean distance (not squared) of every row to every centroid, `n × k`,
    /// as scikit-learn's `transform`. Rows are normalised first under cosine.
    pub fn transform<'a>(&self, x: impl Into<Input<'a>>) -> Result<Array2<f32>> {
        let input = x.into();
        self.check_input(&input)?;
        let owned = prepare_rows(input, self.params.metric)?;
        let (k, d) = self.centroids.dim();
        let n = input.data.n_rows();
        let mut out = Array2::zeros((n, k));
        let centroids = self.centroids.as_standard_layout();
        let norms: Vec<f64> = centroids
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| (v as f64).powi(2)).sum())
            .collect();
        let dist = |p: &dyn Fn(usize, &[f32], f64) -> f32, out: &mut Array2<f32>| {
            for i in 0..n {
                for c in 0..k {
                    let row = centroids.row(c);
                    out[[i, c]] = p(i, row.as_slice().expect("standard layout"), norms[c]).sqrt();
                }
            }
        };
        match owned.rows(input.weights) {
            Rows::Dense(p) => dist(&|i, c, n2| p.sq_dist(i, c, n2), &mut out),
            Rows::Sparse(p) => dist(&|i, c, n2| p.sq_dist(i, c, n2), &mut out),
        }
        debug_assert_eq!(d, self.centroids.ncols());
        Ok(out)
    }

    /// Opposite of the (weighted) inertia of `x` under this model, as
    /// scikit-learn's `score` (higher is better).
    pub fn score<'a>(&self, x: impl Into<Input<'a>>) -> Result<f64> {
        let input = x.into();
        let (_, dists) = self.assign(input)?;
        let w = input.weights;
        Ok(-dists
            .iter()
            .enumerate()
            .map(|(i, &d)| w.map_or(1.0, |w| w[i] as f64) * d as f64)
            .sum::<f64>())
    }

    /// The model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a model always serialises")
    }

    /// A model from JSON written by [`Model::to_json`].
    pub fn from_json(text: &str) -> Result<Model> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let v: Version = serde_json::from_str(text)
            .map_err(|e| KMeansError::Model(format!("not a kmkit model: {e}")))?;
        if v.format_version != MODEL_FORMAT_VERSION {
            return Err(KMeansError::Model(format!(
                "format version {} is not supported (this build reads version {MODEL_FORMAT_VERSION})",
                v.format_version
            )));
        }
        let m: Model = serde_json::from_str(text)
            .map_err(|e| KMeansError::Model(format!("malformed model: {e}")))?;
        let (k, d) = m.centroids.dim();
        if k == 0 || d == 0 || m.centroids.iter().any(|v| !v.is_finite()) {
            return Err(KMeansError::Model(
                "centroids must be a non-empty finite matrix".into(),
            ));
        }
        Ok(m)
    }

    fn check_input(&self, input: &Input) -> Result<()> {
        validate(input)?;
        let d = self.centroids.ncols();
        if input.data.n_cols() != d {
            return Err(KMeansError::ShapeMismatch(format!(
                "the model has {d} features, the data {}",
                input.data.n_cols()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn from_centroids_predicts_the_nearest_row() {
        let m = Model::from_centroids(array![[0.0, 0.0], [10.0, 10.0]], Metric::Euclidean).unwrap();
        let x = array![[1.0f32, -1.0], [9.0, 11.0], [4.0, 4.0]];
        assert_eq!(m.predict(&x).unwrap(), vec![0, 1, 0]);
        let back = Model::from_json(&m.to_json()).unwrap();
        assert_eq!(back.predict(&x).unwrap(), vec![0, 1, 0]);
    }

    #[test]
    fn from_centroids_rejects_what_cannot_be_a_model() {
        let empty = Array2::<f32>::zeros((0, 3));
        assert!(Model::from_centroids(empty, Metric::Euclidean).is_err());
        let nan = array![[f32::NAN, 1.0]];
        assert!(Model::from_centroids(nan, Metric::Euclidean).is_err());
        let zero = array![[0.0f32, 0.0], [1.0, 0.0]];
        assert!(Model::from_centroids(zero.clone(), Metric::Cosine).is_err());
        let unit = Model::from_centroids(array![[3.0f32, 4.0]], Metric::Cosine).unwrap();
        assert_eq!(unit.centroids, array![[0.6f32, 0.8]]);
    }
}
