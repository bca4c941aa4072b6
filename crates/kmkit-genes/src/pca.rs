//! PCA by a thin SVD of the centred data, with faer.
//!
//! Why faer: it is a pure-Rust, actively maintained dense linear-algebra
//! library with a fast, accurate thin SVD (the operation PCA needs), so no
//! BLAS/LAPACK system library is required. nalgebra's SVD works too but is
//! slower on wide matrices (samples × thousands of genes); linfa-linalg is
//! smaller but less maintained and offers only truncated/iterative routines.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{GenesError, Result};

/// Fitted principal axes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca {
    /// Column means of the fit data.
    pub mean: Array1<f64>,
    /// `n_components × n_features` axes (rows orthonormal).
    pub components: Array2<f64>,
    /// Variance along each axis (`s² / (n − 1)`, as scikit-learn).
    pub explained_variance: Array1<f64>,
}

impl Pca {
    /// Fits `n_components` axes on `x` (samples × features).
    pub fn fit(x: ArrayView2<f64>, n_components: usize) -> Result<Pca> {
        let (n, d) = x.dim();
        if n_components == 0 || n_components > n.min(d) {
            return Err(GenesError::InvalidParam {
                name: "n_components",
                value: n_components.to_string(),
                expected: "between 1 and min(samples, features)",
            });
        }
        let mean = x.mean_axis(ndarray::Axis(0)).expect("n > 0");
        let centred = faer::Mat::<f64>::from_fn(n, d, |i, j| x[[i, j]] - mean[j]);
        let svd = centred
            .thin_svd()
            .map_err(|e| GenesError::Transform { step: "PCA".into(), message: format!("SVD did not converge ({e:?})") })?;
        let v = svd.V();
        let s = svd.S().column_vector();
        let mut components = Array2::from_shape_fn((n_components, d), |(c, j)| v[(j, c)]);
        // scikit-learn (>= 1.5, svd_flip with u_based_decision=False): the
        // largest-magnitude loading of each axis is positive.
        for mut row in components.rows_mut() {
            let big = row.iter().copied().fold(0.0f64, |m, v| if v.abs() > m.abs() { v } else { m });
            if big < 0.0 {
                row.mapv_inplace(|v| -v);
            }
        }
        let denom = (n.max(2) - 1) as f64;
        let explained_variance = Array1::from_shape_fn(n_components, |c| s[c] * s[c] / denom);
        Ok(Pca { mean, components, explained_variance })
    }

    /// Projects `x` onto the axes: `(x − mean) · componentsᵀ`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        if x.ncols() != self.mean.len() {
            return Err(GenesError::ShapeMismatch(format!("PCA fitted on {} features, data has {}", self.mean.len(), x.ncols())));
        }
        let centred = &x - &self.mean;
        Ok(centred.dot(&self.components.t()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn recovers_the_main_axis_and_orthonormal_components() {
        let x = array![[1.0, 2.0, 0.1], [2.0, 4.1, -0.1], [3.0, 6.0, 0.0], [4.0, 7.9, 0.2]];
        let p = Pca::fit(x.view(), 2).unwrap();
        let g = p.components.dot(&p.components.t());
        for i in 0..2 {
            for j in 0..2 {
                assert!((g[[i, j]] - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        // First axis ∝ (1, 2, 0) with positive largest loading.
        assert!(p.components[[0, 1]] > 0.0 && (p.components[[0, 1]] / p.components[[0, 0]] - 2.0).abs() < 0.05);
        assert!(p.explained_variance[0] > 100.0 * p.explained_variance[1]);
        let t = p.transform(x.view()).unwrap();
        assert!((t.column(0).sum()).abs() < 1e-9);
        assert!(Pca::fit(x.view(), 4).is_err());
    }
}
