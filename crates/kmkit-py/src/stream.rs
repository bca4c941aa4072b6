//! `MiniBatchStream`: a `kmkit_core::MiniBatchKMeans` stream for
//! `kmkit.MiniBatchKMeans.partial_fit`. Each call is one core mini-batch step
//! on the rows given (the first call seeds on them), GIL released. It
//! pickles as its parameters (JSON) and its `StreamState` fields, so an
//! unpickled estimator continues bit-identically.

use kmkit_core::{MiniBatchKMeans, MiniBatchParams, StreamState};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::err;
use crate::input::{weights, XArg, XData};

/// What a pickled stream stores besides its parameters (nested: PyO3
/// converts tuples of up to 12 items): (started, k, d, centres, counts,
/// rows since the last reassignment, batch size), the RNG (seed bytes,
/// stream, word position high and low), and (steps, labels, inertia,
/// warnings).
type State = (
    (bool, usize, usize, Vec<f64>, Vec<f64>, usize, usize),
    (Vec<u8>, u64, u64, u64),
    (usize, Vec<u32>, f64, Vec<String>),
);

/// A mini-batch k-means stream (see the module docs).
#[pyclass(module = "kmkit._kmkit")]
#[derive(Debug)]
pub struct MiniBatchStream {
    inner: MiniBatchKMeans,
}

impl MiniBatchStream {
    pub(crate) fn from_core(inner: MiniBatchKMeans) -> Self {
        MiniBatchStream { inner }
    }
}

fn state_tuple(s: StreamState) -> State {
    (
        (
            s.started,
            s.k,
            s.d,
            s.centers,
            s.counts,
            s.since_reassign,
            s.batch_size,
        ),
        (
            s.rng_seed.to_vec(),
            s.rng_stream,
            s.rng_word_pos[0],
            s.rng_word_pos[1],
        ),
        (s.n_steps, s.labels, s.inertia, s.warnings),
    )
}

#[pymethods]
impl MiniBatchStream {
    /// A stream with no centres yet, with `kmkit._kmkit.minibatch_fit`'s
    /// parameters (`max_iter`, `tol`, `n_init` and `max_no_improvement`
    /// play no part in a stream).
    #[new]
    #[pyo3(signature = (n_clusters, init, init_centroids, seed, threads, batch_size, init_size, reassignment_ratio, compute_labels))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        n_clusters: usize,
        init: &str,
        init_centroids: Option<PyReadonlyArray2<'_, f32>>,
        seed: u64,
        threads: usize,
        batch_size: usize,
        init_size: Option<usize>,
        reassignment_ratio: f64,
        compute_labels: bool,
    ) -> PyResult<Self> {
        let params = crate::minibatch_params(
            n_clusters,
            init,
            init_centroids,
            None,
            100,
            0.0,
            seed,
            threads,
            batch_size,
            init_size,
            reassignment_ratio,
            Some(10),
            compute_labels,
        )?;
        Ok(MiniBatchStream {
            inner: MiniBatchKMeans::new(params).map_err(err)?,
        })
    }

    /// One mini-batch step on every row of `x` (GIL released). A failed
    /// call leaves the stream unchanged.
    #[pyo3(signature = (x, sample_weight=None))]
    fn partial_fit<'py>(
        &mut self,
        py: Python<'py>,
        x: XArg<'py>,
        sample_weight: Option<PyReadonlyArray1<'py, f32>>,
    ) -> PyResult<()> {
        let x = XData::new(&x)?;
        let w = weights(&sample_weight);
        let inner = &mut self.inner;
        py.allow_threads(|| inner.partial_fit(x.input(w.as_deref())))
            .map_err(err)
    }

    /// `(centres, labels, inertia, steps, warnings)` of the stream; `None`
    /// before the first step. Labels and inertia are the last batch's.
    #[allow(clippy::type_complexity)]
    fn result<'py>(
        &self,
        py: Python<'py>,
    ) -> Option<(
        Bound<'py, PyArray2<f32>>,
        Bound<'py, PyArray1<i32>>,
        f64,
        usize,
        Vec<String>,
    )> {
        let model = self.inner.model()?;
        let labels: Vec<i32> = model.labels().iter().map(|&l| l as i32).collect();
        Some((
            model.centroids.into_pyarray(py),
            labels.into_pyarray(py),
            model.inertia,
            self.inner.n_steps(),
            model.warnings,
        ))
    }

    /// Cumulative weight per centre (`None` before the first step).
    fn counts<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner.counts().map(|c| c.to_vec().into_pyarray(py))
    }

    /// Steps taken.
    #[getter]
    fn n_steps(&self) -> usize {
        self.inner.n_steps()
    }

    /// Rebuilds a stream from what `__reduce__` stored.
    #[staticmethod]
    fn _from_state(params: &str, state: State) -> PyResult<Self> {
        let params: MiniBatchParams = serde_json::from_str(params)
            .map_err(|e| PyValueError::new_err(format!("bad MiniBatchStream parameters: {e}")))?;
        let ((started, k, d, centers, counts, since_reassign, batch_size), rng, last) = state;
        let seed: [u8; 32] = rng
            .0
            .as_slice()
            .try_into()
            .map_err(|_| PyValueError::new_err("bad MiniBatchStream state: seed"))?;
        let st = StreamState {
            started,
            k,
            d,
            centers,
            counts,
            since_reassign,
            batch_size,
            rng_seed: seed,
            rng_stream: rng.1,
            rng_word_pos: [rng.2, rng.3],
            n_steps: last.0,
            labels: last.1,
            inertia: last.2,
            warnings: last.3,
        };
        Ok(MiniBatchStream {
            inner: MiniBatchKMeans::from_state(params, st).map_err(err)?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(PyObject, (String, State))> {
        let me = slf.borrow();
        // Given centroids are f32 (exact in JSON); the f64 settings are
        // short decimals such as 0.01, which serde_json parses back exactly.
        let params = serde_json::to_string(me.inner.parameters())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let from = slf.as_any().get_type().getattr("_from_state")?.unbind();
        Ok((from, (params, state_tuple(me.inner.state()))))
    }

    fn __repr__(&self) -> String {
        format!("MiniBatchStream(n_steps={})", self.inner.n_steps())
    }
}
