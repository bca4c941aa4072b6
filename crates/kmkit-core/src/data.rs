//! Input data: dense views, a validated CSR matrix, optional sample weights,
//! and [`Features`], the plain-data contract between domain crates and the core.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{KMeansError, Result};

/// A compressed sparse row matrix of `f32` values, validated on construction:
/// `indptr` has `n_rows + 1` non-decreasing entries starting at 0, column
/// indices are below `n_cols` and strictly increasing within a row, values are finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Csr {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl Csr {
    /// Builds a CSR matrix from its three arrays, checking every invariant.
    pub fn new(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f32>,
    ) -> Result<Self> {
        let bad = |m: String| Err(KMeansError::BadSparse(m));
        if indptr.len() != n_rows + 1 {
            return bad(format!("indptr has {} entries, expected n_rows + 1 = {}", indptr.len(), n_rows + 1));
        }
        if indptr[0] != 0 {
            return bad(format!("indptr[0] is {}, expected 0", indptr[0]));
        }
        if indices.len() != values.len() {
            return bad(format!("{} column indices but {} values", indices.len(), values.len()));
        }
        if indptr[n_rows] != values.len() {
            return bad(format!("indptr ends at {} but there are {} values", indptr[n_rows], values.len()));
        }
        if n_cols > u32::MAX as usize {
            return bad(format!("{n_cols} columns exceed the u32 index range"));
        }
        for row in 0..n_rows {
            let (start, end) = (indptr[row], indptr[row + 1]);
            if end < start {
                return bad(format!("indptr decreases at row {row} ({start} -> {end})"));
            }
            let mut prev: Option<u32> = None;
            for p in start..end {
                let col = indices[p];
                if col as usize >= n_cols {
                    return bad(format!("row {row} has column {col}, but there are {n_cols} columns"));
                }
                if prev.is_some_and(|q| col <= q) {
                    return bad(format!("row {row}: column indices not strictly increasing at {col}"));
                }
                prev = Some(col);
                if !values[p].is_finite() {
                    return Err(KMeansError::NonFinite { row, col: col as usize, value: values[p].to_string() });
                }
            }
        }
        Ok(Csr { n_rows, n_cols, indptr, indices, values })
    }

    /// Builds a CSR matrix from the non-zero entries of a dense array.
    pub fn from_dense(x: ArrayView2<f32>) -> Result<Self> {
        let (n, d) = x.dim();
        let mut indptr = Vec::with_capacity(n + 1);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        indptr.push(0);
        for row in x.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    indices.push(j as u32);
                    values.push(v);
                }
            }
            indptr.push(values.len());
        }
        Csr::new(n, d, indptr, indices, values)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
    /// Row pointer array (`n_rows + 1` entries).
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }
    /// Column indices of the stored entries.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }
    /// Stored values.
    pub fn values(&self) -> &[f32] {
        &self.values
    }
    /// Column indices and values of one row.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[s..e], &self.values[s..e])
    }
    /// The dense equivalent (for tests and small matrices).
    pub fn to_dense(&self) -> Array2<f32> {
        let mut out = Array2::zeros((self.n_rows, self.n_cols));
        for i in 0..self.n_rows {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                out[[i, j as usize]] = v;
            }
        }
        out
    }
    /// A copy with every row scaled to unit L2 norm (zero rows stay zero).
    pub fn l2_normalized(&self) -> Csr {
        let mut out = self.clone();
        for i in 0..self.n_rows {
            let (s, e) = (self.indptr[i], self.indptr[i + 1]);
            let norm = out.values[s..e].iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>().sqrt();
            if norm > 0.0 {
                out.values[s..e].iter_mut().for_each(|v| *v = (*v as f64 / norm) as f32);
            }
        }
        out
    }
    /// Rows `rows` (in that order) as a new matrix.
    pub fn select_rows(&self, rows: &[usize]) -> Csr {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        indptr.push(0);
        for &r in rows {
            let (idx, val) = self.row(r);
            indices.extend_from_slice(idx);
            values.extend_from_slice(val);
            indptr.push(values.len());
        }
        Csr { n_rows: rows.len(), n_cols: self.n_cols, indptr, indices, values }
    }
}

/// A matrix as the core reads it: a dense row-major view or a CSR matrix.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// Dense `n × d` view. Need not be contiguous; the core copies what it must.
    Dense(ArrayView2<'a, f32>),
    /// Sparse CSR matrix.
    Sparse(&'a Csr),
}

impl Data<'_> {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        match self {
            Data::Dense(x) => x.nrows(),
            Data::Sparse(x) => x.n_rows(),
        }
    }
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        match self {
            Data::Dense(x) => x.ncols(),
            Data::Sparse(x) => x.n_cols(),
        }
    }
}

/// Data plus optional non-negative sample weights: what `fit` and `predict` take.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The matrix.
    pub data: Data<'a>,
    /// One weight per row, or `None` for unit weights.
    pub weights: Option<&'a [f32]>,
}

impl<'a> Input<'a> {
    /// The same data with sample weights.
    pub fn weighted(self, weights: &'a [f32]) -> Self {
        Input { weights: Some(weights), ..self }
    }
}

impl<'a> From<ArrayView2<'a, f32>> for Input<'a> {
    fn from(x: ArrayView2<'a, f32>) -> Self {
        Input { data: Data::Dense(x), weights: None }
    }
}
impl<'a> From<&'a Array2<f32>> for Input<'a> {
    fn from(x: &'a Array2<f32>) -> Self {
        Input { data: Data::Dense(x.view()), weights: None }
    }
}
impl<'a> From<&'a Csr> for Input<'a> {
    fn from(x: &'a Csr) -> Self {
        Input { data: Data::Sparse(x), weights: None }
    }
}
impl<'a> From<Data<'a>> for Input<'a> {
    fn from(data: Data<'a>) -> Self {
        Input { data, weights: None }
    }
}
impl<'a> From<&'a Features> for Input<'a> {
    fn from(f: &'a Features) -> Self {
        let data = match &f.data {
            Matrix::Dense(x) => Data::Dense(x.view()),
            Matrix::Sparse(x) => Data::Sparse(x),
        };
        Input { data, weights: f.weights.as_deref() }
    }
}

/// An owned matrix: dense or CSR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Matrix {
    /// Dense `n × d` array.
    Dense(Array2<f32>),
    /// Sparse CSR matrix.
    Sparse(Csr),
}

/// The contract between a domain crate and the core: a matrix, what its rows
/// and columns are called, and optional sample weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// The feature matrix.
    pub data: Matrix,
    /// One id per row (file name, customer id, document number…).
    pub row_ids: Vec<String>,
    /// One name per column (term, MFCC coefficient, channel…).
    pub feature_names: Vec<String>,
    /// Optional non-negative sample weights, one per row.
    pub weights: Option<Vec<f32>>,
}

impl Features {
    /// Dense features with default row ids (`0..n`) and column names (`f0..`).
    pub fn dense(x: Array2<f32>) -> Self {
        let (n, d) = x.dim();
        Features {
            data: Matrix::Dense(x),
            row_ids: (0..n).map(|i| i.to_string()).collect(),
            feature_names: (0..d).map(|j| format!("f{j}")).collect(),
            weights: None,
        }
    }
    /// Sparse features with default row ids and column names.
    pub fn sparse(x: Csr) -> Self {
        let (n, d) = (x.n_rows(), x.n_cols());
        Features {
            data: Matrix::Sparse(x),
            row_ids: (0..n).map(|i| i.to_string()).collect(),
            feature_names: (0..d).map(|j| format!("f{j}")).collect(),
            weights: None,
        }
    }
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        Input::from(self).data.n_rows()
    }
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        Input::from(self).data.n_cols()
    }
}

/// Checks that the input is non-empty, finite, and its weights fit. Returns the
/// total weight (f64).
pub(crate) fn validate(input: &Input) -> Result<f64> {
    crate::kernels::selected()?;
    let (n, d) = (input.data.n_rows(), input.data.n_cols());
    if n == 0 {
        return Err(KMeansError::NoRows);
    }
    if d == 0 {
        return Err(KMeansError::NoColumns);
    }
    if let Data::Dense(x) = input.data {
        for (i, row) in x.rows().into_iter().enumerate() {
            if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                return Err(KMeansError::NonFinite { row: i, col: j, value: row[j].to_string() });
            }
        }
    }
    // CSR values are checked on construction.
    match input.weights {
        None => Ok(n as f64),
        Some(w) => {
            if w.len() != n {
                return Err(KMeansError::BadWeights(format!("{} weights for {} rows", w.len(), n)));
            }
            if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return Err(KMeansError::BadWeights(format!("weight {i} is {}; weights must be finite and >= 0", w[i])));
            }
            let total: f64 = w.iter().map(|&v| v as f64).sum();
            if total <= 0.0 {
                return Err(KMeansError::BadWeights("all weights are zero".into()));
            }
            Ok(total)
        }
    }
}
