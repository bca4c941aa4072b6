//! Loading the benchmark inputs and scoring centroids on all rows.
//!
//! Dense inputs are `.npy` files of f32 (C order). Sparse inputs are a
//! directory `NAME.csr/` holding `indptr.npy` (i64, n + 1), `indices.npy`
//! (i32), `data.npy` (f32) and `shape.npy` (i64, [n, d]) — the three arrays of
//! scipy's `csr_matrix` written by `bench/run.py` next to the `.npz` the
//! Python anchors load, so both sides cluster the very same matrix.

use std::path::Path;

use anyhow::{bail, Context, Result};
use kmkit_core::{Csr, Input};
use ndarray::{Array1, Array2, ArrayView2};
use ndarray_npy::read_npy;

/// A benchmark input: dense or CSR.
#[derive(Debug)]
pub enum Matrix {
    /// Dense n × d rows.
    Dense(Array2<f32>),
    /// Sparse rows.
    Sparse(Csr),
}

impl Matrix {
    /// Reads `path`: a directory (or `*.csr`) is CSR, anything else `.npy`.
    pub fn load(path: &Path) -> Result<Matrix> {
        if !path.exists() {
            bail!("{}: no such file or directory", path.display());
        }
        if path.is_dir() {
            return load_csr(path).map(Matrix::Sparse);
        }
        let x: Array2<f32> =
            read_npy(path).with_context(|| format!("reading {} as f32 .npy", path.display()))?;
        Ok(Matrix::Dense(x))
    }

    /// The data as the core's input type.
    pub fn input(&self) -> Input<'_> {
        match self {
            Matrix::Dense(x) => x.into(),
            Matrix::Sparse(x) => x.into(),
        }
    }

    /// (rows, columns).
    pub fn dim(&self) -> (usize, usize) {
        match self {
            Matrix::Dense(x) => x.dim(),
            Matrix::Sparse(x) => (x.n_rows(), x.n_cols()),
        }
    }

    /// Bytes of the stored values (and indices, for CSR): the input size the
    /// peak-RSS target is relative to.
    pub fn bytes(&self) -> usize {
        match self {
            Matrix::Dense(x) => x.len() * 4,
            Matrix::Sparse(x) => x.nnz() * 8 + (x.n_rows() + 1) * 8,
        }
    }

    /// The dense array, or an error naming `what` needs dense input.
    pub fn dense(&self, what: &str) -> Result<&Array2<f32>> {
        match self {
            Matrix::Dense(x) => Ok(x),
            Matrix::Sparse(_) => bail!("{what} needs dense .npy input"),
        }
    }
}

fn load_csr(dir: &Path) -> Result<Csr> {
    let read_i64 = |name: &str| -> Result<Array1<i64>> {
        let p = dir.join(name);
        read_npy(&p).with_context(|| format!("reading {} as i64 .npy", p.display()))
    };
    let shape = read_i64("shape.npy")?;
    if shape.len() != 2 || shape.iter().any(|&v| v < 0) {
        bail!("{}: shape.npy must hold [rows, columns]", dir.display());
    }
    let indptr = read_i64("indptr.npy")?;
    let p = dir.join("indices.npy");
    let indices: Array1<i32> =
        read_npy(&p).with_context(|| format!("reading {} as i32 .npy", p.display()))?;
    let p = dir.join("data.npy");
    let values: Array1<f32> =
        read_npy(&p).with_context(|| format!("reading {} as f32 .npy", p.display()))?;
    if indptr.iter().any(|&v| v < 0) || indices.iter().any(|&v| v < 0) {
        bail!("{}: negative index in indptr or indices", dir.display());
    }
    Csr::new(
        shape[0] as usize,
        shape[1] as usize,
        indptr.iter().map(|&v| v as usize).collect(),
        indices.iter().map(|&v| v as u32).collect(),
        values.to_vec(),
    )
    .with_context(|| format!("{} is not a valid CSR matrix", dir.display()))
}

/// Reads k × d starting centroids.
pub fn load_centroids(path: &Path) -> Result<Array2<f32>> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    read_npy(path).with_context(|| format!("reading centroids {} as f32 .npy", path.display()))
}

/// Sum over all rows of the squared distance to the nearest centroid (f64),
/// the same number scikit-learn reports as `inertia_`.
pub fn inertia(x: &Matrix, centroids: ArrayView2<f32>) -> Result<f64> {
    Ok(kmkit_core::partial_stats(x.input(), centroids)?.inertia)
}

/// The spherical objective `Σ 2 (1 − max_j cos(x_i, c_j))`: the squared
/// distance of each unit row to the nearest unit centroid. Scored the same way
/// for every engine (an anchor's Euclidean centroids are normalised first), so
/// it compares a spherical fit with k-means on l2-normalised rows.
pub fn cosine_objective(x: &Matrix, centroids: ArrayView2<f32>) -> Result<f64> {
    let mut c = centroids.to_owned();
    for mut row in c.rows_mut() {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.mapv_inplace(|v| v / norm);
        }
    }
    let best_cos = |dots: &mut dyn Iterator<Item = f64>, norm: f64| {
        let best = dots.fold(f64::NEG_INFINITY, f64::max);
        if norm > 0.0 {
            best / norm
        } else {
            0.0
        }
    };
    let mut total = 0.0f64;
    match x {
        Matrix::Dense(x) => {
            for row in x.rows() {
                let norm = row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
                let mut dots = c.rows().into_iter().map(|cr| {
                    row.iter()
                        .zip(cr)
                        .map(|(&a, &b)| a as f64 * b as f64)
                        .sum::<f64>()
                });
                total += 2.0 * (1.0 - best_cos(&mut dots, norm));
            }
        }
        Matrix::Sparse(x) => {
            for i in 0..x.n_rows() {
                let (idx, val) = x.row(i);
                let norm = val.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
                let mut dots = c.rows().into_iter().map(|cr| {
                    idx.iter()
                        .zip(val)
                        .map(|(&j, &v)| v as f64 * cr[j as usize] as f64)
                        .sum::<f64>()
                });
                total += 2.0 * (1.0 - best_cos(&mut dots, norm));
            }
        }
    }
    Ok(total)
}

/// Checks that centroids match the data's width.
pub fn check_width(x: &Matrix, c: &Array2<f32>, what: &str) -> Result<()> {
    let d = x.dim().1;
    if c.ncols() != d {
        bail!("{what} have {} columns, the data {d}", c.ncols());
    }
    Ok(())
}
