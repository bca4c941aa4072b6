//! The distributed primitives of `kmkit_core::distributed` and
//! `PartialStats` for Python: small picklable values that an engine ships
//! between map, reduce and broadcast. They pickle as their fields (Python
//! ints, floats and lists), which is exact for f32 and f64.

use kmkit_core::distributed::{self as dist, Candidates, FarRows, Moments};
use kmkit_core::{Input, PartialStats};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::err;
use crate::input::{weights, XArg, XData};

/// What a pickled `Moments` stores: row count, column sums, sums of squares.
type MomentsState = (u64, Vec<f64>, Vec<f64>);

/// Per-cluster f64 sums, weights and inertia of a slice of rows.
#[pyclass(name = "PartialStats", module = "kmkit._kmkit", frozen)]
#[derive(Clone, Debug)]
pub struct PyPartialStats {
    inner: PartialStats,
}

#[pymethods]
impl PyPartialStats {
    /// Rebuilds from the fields (what pickling stores).
    #[staticmethod]
    fn _from_state(
        k: usize,
        d: usize,
        sums: Vec<f64>,
        weights: Vec<f64>,
        inertia: f64,
    ) -> PyResult<Self> {
        if sums.len() != k * d || weights.len() != k {
            return Err(PyValueError::new_err("bad PartialStats state"));
        }
        Ok(PyPartialStats {
            inner: PartialStats {
                k,
                d,
                sums,
                weights,
                inertia,
            },
        })
    }
    #[allow(clippy::type_complexity)]
    fn __reduce__(
        slf: &Bound<'_, Self>,
    ) -> PyResult<(PyObject, (usize, usize, Vec<f64>, Vec<f64>, f64))> {
        let s = &slf.get().inner;
        let from = slf.as_any().get_type().getattr("_from_state")?.unbind();
        Ok((
            from,
            (s.k, s.d, s.sums.clone(), s.weights.clone(), s.inertia),
        ))
    }
    /// Zero statistics for `k` clusters in `d` dimensions (the reduce identity).
    #[staticmethod]
    fn zeros(k: usize, d: usize) -> Self {
        PyPartialStats {
            inner: PartialStats::zeros(k, d),
        }
    }
    #[getter]
    fn k(&self) -> usize {
        self.inner.k
    }
    #[getter]
    fn d(&self) -> usize {
        self.inner.d
    }
    #[getter]
    fn inertia(&self) -> f64 {
        self.inner.inertia
    }
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.weights.clone().into_pyarray(py)
    }
    #[getter]
    fn sums<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let a =
            ndarray::Array2::from_shape_vec((self.inner.k, self.inner.d), self.inner.sums.clone())
                .expect("k × d sums");
        Ok(a.into_pyarray(py))
    }
    /// `self + other` (a new value; associative).
    fn merge(&self, other: &PyPartialStats) -> PyResult<PyPartialStats> {
        let mut out = self.inner.clone();
        out.merge(&other.inner).map_err(err)?;
        Ok(PyPartialStats { inner: out })
    }
    /// Number of clusters without weight (reduce that many `far_rows`, then
    /// `relocate`).
    fn n_empty(&self) -> usize {
        dist::n_empty(&self.inner)
    }
    /// New centroids with the core's empty-cluster rule, given the merged
    /// `far_rows`: `(centroids, relocated)`.
    fn relocate<'py>(
        &self,
        py: Python<'py>,
        far: &PyFarRows,
        previous: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<(Bound<'py, PyArray2<f32>>, bool)> {
        let (c, moved) =
            dist::relocate(&self.inner, &far.inner, previous.as_array()).map_err(err)?;
        Ok((c.into_pyarray(py), moved))
    }
    /// New centroids: weighted means; an empty cluster keeps `previous`'s row.
    fn finalize<'py>(
        &self,
        py: Python<'py>,
        previous: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let prev = previous.as_array();
        if prev.dim() != (self.inner.k, self.inner.d) {
            return Err(PyValueError::new_err(format!(
                "previous centroids are {:?}, the stats {}×{}",
                prev.dim(),
                self.inner.k,
                self.inner.d
            )));
        }
        Ok(self.inner.finalize(prev).into_pyarray(py))
    }
    fn __repr__(&self) -> String {
        format!(
            "PartialStats(k={}, d={}, weight={}, inertia={})",
            self.inner.k,
            self.inner.d,
            self.inner.weights.iter().sum::<f64>(),
            self.inner.inertia
        )
    }
}

/// Row count, column sums and sums of squares: the `tol` scale.
#[pyclass(name = "Moments", module = "kmkit._kmkit", frozen)]
#[derive(Clone, Debug)]
pub struct PyMoments {
    inner: Moments,
}

#[pymethods]
impl PyMoments {
    /// Rebuilds from the fields (what pickling stores).
    #[staticmethod]
    fn _from_state(n: u64, sum: Vec<f64>, sum_sq: Vec<f64>) -> PyResult<Self> {
        if sum.len() != sum_sq.len() {
            return Err(PyValueError::new_err("bad Moments state"));
        }
        Ok(PyMoments {
            inner: Moments { n, sum, sum_sq },
        })
    }
    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(PyObject, MomentsState)> {
        let m = &slf.get().inner;
        let from = slf.as_any().get_type().getattr("_from_state")?.unbind();
        Ok((from, (m.n, m.sum.clone(), m.sum_sq.clone())))
    }
    #[getter]
    fn n(&self) -> u64 {
        self.inner.n
    }
    /// `self + other` (a new value).
    fn merge(&self, other: &PyMoments) -> PyResult<PyMoments> {
        let mut out = self.inner.clone();
        out.merge(&other.inner).map_err(err)?;
        Ok(PyMoments { inner: out })
    }
    /// Mean over columns of the column variance.
    fn mean_variance(&self) -> f64 {
        self.inner.mean_variance()
    }
}

/// Rows picked by a k-means‖ step, with global row indices.
#[pyclass(name = "Candidates", module = "kmkit._kmkit", frozen)]
#[derive(Clone, Debug)]
pub struct PyCandidates {
    inner: Candidates,
}

#[pymethods]
impl PyCandidates {
    /// Rebuilds from the fields (what pickling stores).
    #[staticmethod]
    fn _from_state(indices: Vec<u64>, d: usize, rows: Vec<f32>, keys: Vec<f64>) -> PyResult<Self> {
        let n = indices.len();
        let rows = ndarray::Array2::from_shape_vec((n, d), rows)
            .map_err(|_| PyValueError::new_err("bad Candidates state"))?;
        if keys.len() != n {
            return Err(PyValueError::new_err("bad Candidates state"));
        }
        Ok(PyCandidates {
            inner: Candidates {
                indices,
                rows,
                keys,
            },
        })
    }
    #[allow(clippy::type_complexity)]
    fn __reduce__(
        slf: &Bound<'_, Self>,
    ) -> PyResult<(PyObject, (Vec<u64>, usize, Vec<f32>, Vec<f64>))> {
        let c = &slf.get().inner;
        let from = slf.as_any().get_type().getattr("_from_state")?.unbind();
        let rows = c.rows.as_standard_layout().iter().copied().collect();
        Ok((
            from,
            (c.indices.clone(), c.rows.ncols(), rows, c.keys.clone()),
        ))
    }
    #[getter]
    fn rows<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f32>> {
        self.inner.rows.clone().into_pyarray(py)
    }
    #[getter]
    fn indices<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.indices.clone().into_pyarray(py)
    }
    fn __len__(&self) -> usize {
        self.inner.len()
    }
    /// Union ordered by global row index (order of merging does not matter).
    fn merge(&self, other: &PyCandidates) -> PyResult<PyCandidates> {
        Ok(PyCandidates {
            inner: self.inner.merge(&other.inner).map_err(err)?,
        })
    }
    /// The first-centre winner among merged draws.
    fn best(&self) -> PyCandidates {
        PyCandidates {
            inner: self.inner.best(),
        }
    }
}

/// The rows of a partition farthest from their centroid (empty-cluster relocation).
#[pyclass(name = "FarRows", module = "kmkit._kmkit", frozen)]
#[derive(Clone, Debug)]
pub struct PyFarRows {
    inner: FarRows,
}

/// What a pickled `FarRows` stores: keep, dists, indices, labels, weights, d, rows.
type FarState = (
    usize,
    Vec<f32>,
    Vec<u64>,
    Vec<u32>,
    Vec<f64>,
    usize,
    Vec<f32>,
);

#[pymethods]
impl PyFarRows {
    /// Rebuilds from the fields (what pickling stores).
    #[staticmethod]
    fn _from_state(state: FarState) -> PyResult<Self> {
        let (keep, dists, indices, labels, weights, d, rows) = state;
        let n = indices.len();
        let bad = || PyValueError::new_err("bad FarRows state");
        if dists.len() != n || labels.len() != n || weights.len() != n {
            return Err(bad());
        }
        let rows = ndarray::Array2::from_shape_vec((n, d), rows).map_err(|_| bad())?;
        Ok(PyFarRows {
            inner: FarRows {
                keep,
                dists,
                indices,
                labels,
                weights,
                rows,
            },
        })
    }
    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(PyObject, (FarState,))> {
        let f = &slf.get().inner;
        let from = slf.as_any().get_type().getattr("_from_state")?.unbind();
        let rows = f.rows.as_standard_layout().iter().copied().collect();
        Ok((
            from,
            ((
                f.keep,
                f.dists.clone(),
                f.indices.clone(),
                f.labels.clone(),
                f.weights.clone(),
                f.rows.ncols(),
                rows,
            ),),
        ))
    }
    #[getter]
    fn indices<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.indices.clone().into_pyarray(py)
    }
    fn __len__(&self) -> usize {
        self.inner.indices.len()
    }
    /// The `keep` farthest of both (order of merging does not matter).
    fn merge(&self, other: &PyFarRows) -> PyResult<PyFarRows> {
        Ok(PyFarRows {
            inner: self.inner.merge(&other.inner).map_err(err)?,
        })
    }
}

/// The `keep` rows of a partition (global offset `offset`) farthest from
/// their nearest centroid.
#[pyfunction]
#[pyo3(signature = (x, centroids, keep, offset, sample_weight=None))]
fn far_rows<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    centroids: PyReadonlyArray2<'py, f32>,
    keep: usize,
    offset: u64,
    sample_weight: Option<PyReadonlyArray1<'py, f32>>,
) -> PyResult<PyFarRows> {
    let x = XData::new(&x)?;
    let c = centroids.as_array();
    let w = weights(&sample_weight);
    let inner = py
        .allow_threads(|| dist::far_rows(x.input(w.as_deref()), c, keep, offset))
        .map_err(err)?;
    Ok(PyFarRows { inner })
}

/// Whether k-means‖ runs sampling round `round` (the core's rule).
#[pyfunction]
fn next_round(round: usize, rounds: usize, n_candidates: usize, k: usize) -> bool {
    dist::next_round(round, rounds, n_candidates, k)
}

/// One Lloyd map step: statistics of `x`'s rows against `centroids`.
#[pyfunction]
#[pyo3(signature = (x, centroids, sample_weight=None))]
fn partial_stats<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    centroids: PyReadonlyArray2<'py, f32>,
    sample_weight: Option<PyReadonlyArray1<'py, f32>>,
) -> PyResult<PyPartialStats> {
    let x = XData::new(&x)?;
    let c = centroids.as_array();
    let w = weights(&sample_weight);
    let inner = py
        .allow_threads(|| kmkit_core::partial_stats(x.input(w.as_deref()), c))
        .map_err(err)?;
    Ok(PyPartialStats { inner })
}

/// Column moments of `x` (for the tolerance scale).
#[pyfunction]
fn moments<'py>(py: Python<'py>, x: XArg<'py>) -> PyResult<PyMoments> {
    let x = XData::new(&x)?;
    let inner = py
        .allow_threads(|| dist::moments(x.input(None)))
        .map_err(err)?;
    Ok(PyMoments { inner })
}

/// k-means‖ step 0 on a partition starting at global row `offset`.
#[pyfunction]
#[pyo3(signature = (x, seed, offset, sample_weight=None))]
fn first_centre<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    seed: u64,
    offset: u64,
    sample_weight: Option<PyReadonlyArray1<'py, f32>>,
) -> PyResult<PyCandidates> {
    let x = XData::new(&x)?;
    let w = weights(&sample_weight);
    let inner = py
        .allow_threads(|| dist::first_centre(x.input(w.as_deref()), seed, offset))
        .map_err(err)?;
    Ok(PyCandidates { inner })
}

/// One k-means‖ sampling round on a partition starting at global row `offset`.
#[pyfunction]
#[pyo3(signature = (x, centres, psi, ell, seed, round, offset, sample_weight=None))]
#[allow(clippy::too_many_arguments)]
fn sample_round<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    centres: PyReadonlyArray2<'py, f32>,
    psi: f64,
    ell: f64,
    seed: u64,
    round: u32,
    offset: u64,
    sample_weight: Option<PyReadonlyArray1<'py, f32>>,
) -> PyResult<PyCandidates> {
    let x = XData::new(&x)?;
    let c = centres.as_array();
    let w = weights(&sample_weight);
    let inner = py
        .allow_threads(|| {
            dist::sample_round(x.input(w.as_deref()), c, psi, ell, seed, round, offset)
        })
        .map_err(err)?;
    Ok(PyCandidates { inner })
}

/// k-means‖'s last step: weighted k-means++ and Lloyd on the candidates.
#[pyfunction]
fn recluster<'py>(
    py: Python<'py>,
    candidates: PyReadonlyArray2<'py, f32>,
    weights: PyReadonlyArray1<'py, f64>,
    k: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let c = candidates.as_array();
    let w = weights.as_array();
    let w = w
        .as_slice()
        .ok_or_else(|| PyValueError::new_err("weights must be contiguous"))?;
    let out = py
        .allow_threads(|| dist::recluster(c, w, k, seed))
        .map_err(err)?;
    Ok(out.into_pyarray(py))
}

/// The whole distributed k-means‖ seeding over partitions, in this process.
#[pyfunction]
fn kmeans_parallel_seeds<'py>(
    py: Python<'py>,
    parts: Vec<XArg<'py>>,
    k: usize,
    rounds: usize,
    oversampling: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let data: Vec<XData> = parts.iter().map(XData::new).collect::<PyResult<_>>()?;
    let out = py
        .allow_threads(|| {
            let inputs: Vec<Input> = data.iter().map(|x| x.input(None)).collect();
            dist::kmeans_parallel_seeds(&inputs, k, rounds, oversampling, seed)
        })
        .map_err(err)?;
    Ok(out.into_pyarray(py))
}

/// Adds the classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPartialStats>()?;
    m.add_class::<PyMoments>()?;
    m.add_class::<PyCandidates>()?;
    m.add_class::<PyFarRows>()?;
    m.add_function(wrap_pyfunction!(far_rows, m)?)?;
    m.add_function(wrap_pyfunction!(next_round, m)?)?;
    m.add_function(wrap_pyfunction!(partial_stats, m)?)?;
    m.add_function(wrap_pyfunction!(moments, m)?)?;
    m.add_function(wrap_pyfunction!(first_centre, m)?)?;
    m.add_function(wrap_pyfunction!(sample_round, m)?)?;
    m.add_function(wrap_pyfunction!(recluster, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_parallel_seeds, m)?)?;
    Ok(())
}
