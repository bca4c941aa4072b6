//! Python inputs → core inputs: a C-contiguous float32 array, or the parts
//! of a scipy CSR matrix (the Python side converts dtypes and layout first).

use std::borrow::Cow;

use kmkit_core::{Csr, Data, Input};
use ndarray::ArrayView2;
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// A matrix as Python passes it.
#[derive(FromPyObject)]
pub(crate) enum XArg<'py> {
    /// Dense float32 rows.
    Dense(PyReadonlyArray2<'py, f32>),
    /// `(data, indices, indptr, n_rows, n_cols)` of a CSR matrix.
    Csr(
        (
            PyReadonlyArray1<'py, f32>,
            PyReadonlyArray1<'py, u32>,
            PyReadonlyArray1<'py, u64>,
            usize,
            usize,
        ),
    ),
}

/// The matrix in a form that may cross `allow_threads` (no Python objects):
/// a view of the numpy buffer, or a validated CSR copy.
pub(crate) enum XData<'a> {
    Dense(ArrayView2<'a, f32>),
    Sparse(Csr),
}

impl<'a> XData<'a> {
    pub(crate) fn new(x: &'a XArg<'_>) -> PyResult<XData<'a>> {
        Ok(match x {
            XArg::Dense(a) => XData::Dense(a.as_array()),
            XArg::Csr((data, indices, indptr, n_rows, n_cols)) => {
                let indptr = indptr.as_array().iter().map(|&v| v as usize).collect();
                let csr = Csr::new(
                    *n_rows,
                    *n_cols,
                    indptr,
                    indices.as_array().to_vec(),
                    data.as_array().to_vec(),
                )
                .map_err(crate::err)?;
                XData::Sparse(csr)
            }
        })
    }

    /// The core input, with optional weights.
    pub(crate) fn input<'b>(&'b self, weights: Option<&'b [f32]>) -> Input<'b> {
        let data = match self {
            XData::Dense(a) => Data::Dense(a.view()),
            XData::Sparse(c) => Data::Sparse(c),
        };
        Input { data, weights }
    }
}

/// Sample weights as a slice: the numpy buffer when it is contiguous, a
/// copy when it is a strided view (never a panic).
pub(crate) fn weights<'a>(w: &'a Option<PyReadonlyArray1<'_, f32>>) -> Option<Cow<'a, [f32]>> {
    w.as_ref().map(|w| {
        let a = w.as_array();
        match a.to_slice() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(a.iter().copied().collect()),
        }
    })
}
