//! Latent semantic analysis: a randomized truncated SVD of the TF-IDF matrix
//! (Halko, Martinsson & Tropp 2011, as scikit-learn's `TruncatedSVD` with its
//! randomized defaults), then rows scaled to unit length.
//!
//! Sparse products are ours (row-parallel, so results do not depend on the
//! thread count); the dense factorisations (LU with partial pivoting, thin
//! QR, thin SVD of the small projected matrix) are faer's, built without its
//! thread pool, so they run sequentially and deterministically.

use faer::Mat;
use kmkit_core::{Csr, Features};
use ndarray::{Array2, ArrayView1};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TextError};

/// LSA parameters; defaults are scikit-learn's `TruncatedSVD(algorithm='randomized')`
/// followed by `Normalizer()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lsa {
    /// Dimensions kept.
    pub n_components: usize,
    /// Extra random directions sampled beyond `n_components` (scikit-learn: 10).
    pub n_oversamples: usize,
    /// Power iterations (scikit-learn: 5); each is normalised by an LU
    /// factorisation when there are more than 2, as scikit-learn's `auto`.
    pub n_iter: usize,
    /// Seed of the random starting directions.
    pub seed: u64,
    /// Scale every projected row to unit length (for cosine clustering).
    pub normalize: bool,
}

impl Lsa {
    /// `n_components` dimensions with scikit-learn's defaults and seed 0.
    pub fn new(n_components: usize) -> Self {
        Lsa { n_components, n_oversamples: 10, n_iter: 5, seed: 0, normalize: true }
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validates the parameters against a matrix of `n_rows × n_cols`.
    pub fn check(&self, n_rows: usize, n_cols: usize) -> Result<()> {
        let limit = n_rows.min(n_cols);
        if self.n_components == 0 || self.n_components > limit {
            return Err(TextError::param(
                "n_components",
                self.n_components,
                format!("between 1 and min(documents, terms) = {limit}"),
            ));
        }
        Ok(())
    }

    /// Fits the projection on the TF-IDF rows `x`.
    pub fn fit(&self, x: &Csr) -> Result<FittedLsa> {
        self.check(x.n_rows(), x.n_cols())?;
        let (n, d) = (x.n_rows(), x.n_cols());
        let size = (self.n_components + self.n_oversamples).min(n.min(d));
        let xt = transpose(x);
        // Random Gaussian start, d × size, drawn row by row from one stream.
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut q = Dense::from_fn(d, size, |_, _| StandardNormal.sample(&mut rng));
        let lu_normalizer = self.n_iter > 2;
        for _ in 0..self.n_iter {
            let y = mul(x, &q);
            let y = if lu_normalizer { lu_basis(&y) } else { y };
            let z = mul(&xt, &y);
            q = if lu_normalizer { lu_basis(&z) } else { z };
        }
        let basis = qr_basis(&mul(x, &q)); // n × size, orthonormal columns
        // B = Qᵀ X, size × d, computed as (Xᵀ Q)ᵀ.
        let bt = mul(&xt, &basis);
        let b = Mat::from_fn(size, d, |i, j| bt.at(j, i));
        let svd = b.thin_svd().map_err(|e| TextError::Svd(format!("{e:?}")))?;
        let (s, v) = (svd.S(), svd.V());
        let k = self.n_components;
        let mut components = Array2::<f32>::zeros((k, d));
        for c in 0..k {
            // scikit-learn's svd_flip(u_based_decision=False): the largest
            // |value| of each component is positive.
            let mut best = 0;
            for j in 1..d {
                if v[(j, c)].abs() > v[(best, c)].abs() {
                    best = j;
                }
            }
            let sign = if v[(best, c)] < 0.0 { -1.0 } else { 1.0 };
            for j in 0..d {
                components[[c, j]] = (sign * v[(j, c)]) as f32;
            }
        }
        let singular_values = (0..k).map(|c| s[c]).collect();
        let mut fitted =
            FittedLsa { components, singular_values, explained_variance_ratio: Vec::new(), normalize: self.normalize };
        let projected = fitted.project(x);
        fitted.explained_variance_ratio = explained_variance_ratio(x, &projected);
        Ok(fitted)
    }

    /// Fits the projection and returns the projected (and normalised) rows.
    pub fn fit_transform(&self, x: &Csr) -> Result<(FittedLsa, Array2<f32>)> {
        let fitted = self.fit(x)?;
        let y = fitted.transform(x)?;
        Ok((fitted, y))
    }
}

/// A fitted LSA projection: `n_components × n_terms` components (rows of Vᵀ,
/// stored as f32 and used as stored, so a reloaded model projects exactly as
/// at fit time), their singular values and explained variance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLsa {
    /// `n_components × n_terms`, orthonormal rows.
    pub components: Array2<f32>,
    /// Singular value of each component, decreasing.
    pub singular_values: Vec<f64>,
    /// Variance of each projected coordinate over the fit rows divided by the
    /// total variance of the TF-IDF columns (scikit-learn's
    /// `explained_variance_ratio_`).
    pub explained_variance_ratio: Vec<f64>,
    /// Whether projected rows are scaled to unit length.
    pub normalize: bool,
}

impl FittedLsa {
    /// Number of dimensions.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }
    /// Number of terms the projection expects.
    pub fn n_terms(&self) -> usize {
        self.components.ncols()
    }

    /// Projects TF-IDF rows: `x · componentsᵀ`, rows then scaled to unit
    /// length if `normalize` (a row projecting to zero stays zero).
    pub fn transform(&self, x: &Csr) -> Result<Array2<f32>> {
        if x.n_cols() != self.n_terms() {
            return Err(TextError::ShapeMismatch(format!(
                "the LSA projection expects {} terms, the matrix has {}",
                self.n_terms(),
                x.n_cols()
            )));
        }
        let mut y = self.project(x);
        if self.normalize {
            y.rows_mut().into_iter().for_each(|mut row| {
                let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > 0.0 {
                    row.mapv_inplace(|v| v / norm);
                }
            });
        }
        Ok(y.mapv(|v| v as f32))
    }

    /// [`transform`](Self::transform) as dense [`Features`] named `lsa0…`.
    pub fn features(&self, x: &Csr) -> Result<Features> {
        let mut f = Features::dense(self.transform(x)?);
        f.feature_names = (0..self.n_components()).map(|c| format!("lsa{c}")).collect();
        Ok(f)
    }

    /// A point of the LSA space mapped back to term weights
    /// (`point · components`, scikit-learn's `inverse_transform`).
    pub fn back_project(&self, point: ArrayView1<f32>) -> Result<Vec<f64>> {
        if point.len() != self.n_components() {
            return Err(TextError::ShapeMismatch(format!(
                "a point of {} coordinates for {} LSA components",
                point.len(),
                self.n_components()
            )));
        }
        let mut out = vec![0f64; self.n_terms()];
        for (c, &p) in point.iter().enumerate() {
            for (o, &v) in out.iter_mut().zip(self.components.row(c)) {
                *o += p as f64 * v as f64;
            }
        }
        Ok(out)
    }

    /// `x · componentsᵀ` in f64, not normalised.
    fn project(&self, x: &Csr) -> Array2<f64> {
        let k = self.n_components();
        // Components transposed (terms × k) so each stored entry reads one row.
        let ct = Dense::from_fn(self.n_terms(), k, |j, c| self.components[[c, j]] as f64);
        let y = mul(x, &ct);
        Array2::from_shape_vec((x.n_rows(), k), y.data).expect("n × k values")
    }
}

/// Per-coordinate variance of the projection over the total column variance
/// of `x` (ddof 0, as scikit-learn).
fn explained_variance_ratio(x: &Csr, projected: &Array2<f64>) -> Vec<f64> {
    let n = x.n_rows() as f64;
    let mut sum = vec![0f64; x.n_cols()];
    let mut sq = vec![0f64; x.n_cols()];
    for (&j, &v) in x.indices().iter().zip(x.values()) {
        sum[j as usize] += v as f64;
        sq[j as usize] += (v as f64) * (v as f64);
    }
    let total: f64 = sum.iter().zip(&sq).map(|(s, q)| q / n - (s / n).powi(2)).sum();
    projected
        .columns()
        .into_iter()
        .map(|col| {
            let mean = col.sum() / n;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            if total > 0.0 {
                var / total
            } else {
                0.0
            }
        })
        .collect()
}

/// A row-major dense f64 matrix: the operand of our sparse products.
struct Dense {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Dense {
    fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Dense { rows, cols, data }
    }
    fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }
    fn to_faer(&self) -> Mat<f64> {
        Mat::from_fn(self.rows, self.cols, |i, j| self.at(i, j))
    }
    fn from_faer(m: faer::MatRef<'_, f64>) -> Self {
        Dense::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)])
    }
}

/// `a · m` for CSR `a` (n × d) and dense `m` (d × l); each output row is
/// summed in storage order, so the result does not depend on threads.
fn mul(a: &Csr, m: &Dense) -> Dense {
    let l = m.cols;
    let mut out = vec![0f64; a.n_rows() * l];
    if l > 0 {
        out.par_chunks_mut(l).enumerate().for_each(|(i, row)| {
            let (idx, val) = a.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let src = &m.data[j as usize * l..(j as usize + 1) * l];
                for (o, s) in row.iter_mut().zip(src) {
                    *o += v as f64 * s;
                }
            }
        });
    }
    Dense { rows: a.n_rows(), cols: l, data: out }
}

/// The transpose of a CSR matrix, as CSR.
fn transpose(a: &Csr) -> Csr {
    let (n, d) = (a.n_rows(), a.n_cols());
    let mut counts = vec![0usize; d + 1];
    a.indices().iter().for_each(|&j| counts[j as usize + 1] += 1);
    for j in 0..d {
        counts[j + 1] += counts[j];
    }
    let indptr = counts.clone();
    let mut next = counts;
    let mut indices = vec![0u32; a.nnz()];
    let mut values = vec![0f32; a.nnz()];
    for i in 0..n {
        let (idx, val) = a.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            let p = next[j as usize];
            indices[p] = i as u32;
            values[p] = v;
            next[j as usize] += 1;
        }
    }
    Csr::new(d, n, indptr, indices, values).expect("the transpose of a valid CSR matrix is valid")
}

/// `P·L` of the LU factorisation with partial pivoting of `y` (scipy's
/// `lu(y, permute_l=True)[0]`): a well-conditioned basis of `y`'s columns.
fn lu_basis(y: &Dense) -> Dense {
    let lu = y.to_faer().partial_piv_lu();
    let l = lu.L();
    let mut pl = Mat::<f64>::zeros(l.nrows(), l.ncols());
    // faer factors P·A = L·U, so A = Pᵀ·L·U and the basis is Pᵀ·L.
    faer::perm::permute_rows(pl.as_mut(), l, lu.P().inverse());
    Dense::from_faer(pl.as_ref())
}

/// The thin Q factor of `y`: orthonormal columns spanning `y`'s.
fn qr_basis(y: &Dense) -> Dense {
    let q = y.to_faer().qr().compute_thin_Q();
    Dense::from_faer(q.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small sparse matrix with a clear rank-2 structure plus noise.
    fn sample() -> Csr {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let x = Array2::from_shape_fn((40, 12), |(i, j)| {
            let topic = if (i % 2 == 0) == (j < 6) { 1.0 } else { 0.0 };
            let noise: f64 = StandardNormal.sample(&mut rng);
            let v = topic * (1.0 + 0.1 * noise);
            if v > 0.5 {
                v as f32
            } else {
                0.0
            }
        });
        Csr::from_dense(x.view()).unwrap()
    }

    #[test]
    fn lu_basis_spans_the_input() {
        let y = Dense::from_fn(7, 3, |i, j| ((i * 3 + j) as f64).sin() + if i == j { 2.0 } else { 0.0 });
        let lu = y.to_faer().partial_piv_lu();
        let basis = lu_basis(&y);
        // basis · U = y
        let u = lu.U();
        for i in 0..7 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| basis.at(i, k) * u[(k, j)]).sum();
                assert!((v - y.at(i, j)).abs() < 1e-12, "({i},{j}): {v} vs {}", y.at(i, j));
            }
        }
    }

    #[test]
    fn components_are_orthonormal_and_capture_the_structure() {
        let x = sample();
        let fitted = Lsa::new(2).fit(&x).unwrap();
        let c = fitted.components.mapv(|v| v as f64);
        let gram = c.dot(&c.t());
        for i in 0..2 {
            for j in 0..2 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((gram[[i, j]] - want).abs() < 1e-6, "{gram:?}");
            }
        }
        assert!(fitted.singular_values[0] >= fitted.singular_values[1]);
        // Two equal blocks: two components explain nearly all the variance.
        let explained: f64 = fitted.explained_variance_ratio.iter().sum();
        assert!(explained > 0.9, "{explained}");
        let y = fitted.transform(&x).unwrap();
        for row in y.rows() {
            let norm: f32 = row.iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        // Rows of the same block project close together.
        let cos = |a: usize, b: usize| y.row(a).dot(&y.row(b));
        assert!(cos(0, 2) > 0.9 && cos(1, 3) > 0.9 && cos(0, 1) < 0.5);
    }

    #[test]
    fn singular_values_match_the_exact_svd() {
        let x = sample();
        let exact = Mat::from_fn(x.n_rows(), x.n_cols(), |i, j| x.to_dense()[[i, j]] as f64).thin_svd().unwrap();
        let fitted = Lsa::new(5).fit(&x).unwrap();
        for c in 0..5 {
            let (a, b) = (fitted.singular_values[c], exact.S()[c]);
            assert!((a - b).abs() < 1e-8 * b.max(1.0), "component {c}: {a} vs {b}");
        }
    }

    #[test]
    fn deterministic_across_threads_and_json() {
        let x = sample();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| Lsa::new(3).seed(9).fit_transform(&x).unwrap())
        };
        let (f1, y1) = run(1);
        let (f2, y2) = run(2);
        assert_eq!(f1, f2);
        assert_eq!(y1, y2);
        let back: FittedLsa = serde_json::from_str(&serde_json::to_string(&f1).unwrap()).unwrap();
        assert_eq!(back.transform(&x).unwrap(), y1);
    }

    #[test]
    fn bad_sizes_are_errors() {
        let x = sample();
        assert!(Lsa::new(0).fit(&x).is_err());
        let err = Lsa::new(13).fit(&x).unwrap_err();
        assert!(err.to_string().contains("min(documents, terms) = 12"), "{err}");
        let fitted = Lsa::new(2).fit(&x).unwrap();
        let other = Csr::new(1, 3, vec![0, 0], vec![], vec![]).unwrap();
        assert!(matches!(fitted.transform(&other), Err(TextError::ShapeMismatch(_))));
        assert!(fitted.back_project(ndarray::array![1.0f32].view()).is_err());
        let back = fitted.back_project(ndarray::array![1.0f32, 0.0].view()).unwrap();
        assert_eq!(back.len(), 12);
    }
}
