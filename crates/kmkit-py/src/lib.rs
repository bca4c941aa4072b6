//! # kmkit-py
//!
//! The Python extension module `kmkit._kmkit` (PyO3, abi3): thin wrappers
//! that turn numpy arrays (and scipy CSR parts) into `kmkit_core` inputs,
//! call the core with the GIL released, and hand numpy arrays back. The
//! scikit-learn-compatible estimators and the engine drivers are Python
//! modules in `python/kmkit/` built on these functions; no k-means logic
//! lives in Python or here.
#![deny(missing_docs)]

mod distributed;
mod input;
mod stream;

use kmkit_core::{Algorithm, Init, KMeans, KMeansError, MiniBatchKMeans, MiniBatchParams, Model};
use ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use input::{XArg, XData};

/// A core error as a Python `ValueError` with the core's message.
pub(crate) fn err(e: KMeansError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Labels and squared distances to the nearest centroid.
type Assigned<'py> = (Bound<'py, PyArray1<i32>>, Bound<'py, PyArray1<f32>>);

/// What a fit hands back: centroids, labels, inertia, iterations,
/// convergence, warnings.
type FitOut<'py> = (
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray1<i32>>,
    f64,
    usize,
    bool,
    Vec<String>,
);

fn parse_init(init: &str, given: Option<PyReadonlyArray2<f32>>) -> PyResult<Init> {
    Ok(match (init, given) {
        (_, Some(c)) => Init::Given(c.as_array().to_owned()),
        ("k-means++", None) => Init::KMeansPlusPlus,
        ("k-means||", None) => Init::kmeans_parallel(),
        ("random", None) => Init::Random,
        (other, None) => {
            return Err(PyValueError::new_err(format!(
                "init must be 'k-means++', 'k-means||', 'random' or an array, got {other:?}"
            )))
        }
    })
}

fn parse_algorithm(name: &str) -> PyResult<Algorithm> {
    Ok(match name {
        "auto" => Algorithm::Auto,
        "lloyd" => Algorithm::Lloyd,
        "hamerly" => Algorithm::Hamerly,
        "elkan" => Algorithm::Elkan,
        "yinyang" => Algorithm::Yinyang,
        "kd-tree" => Algorithm::KdTree,
        other => {
            return Err(PyValueError::new_err(format!(
            "algorithm must be one of auto, lloyd, hamerly, elkan, yinyang, kd-tree; got {other:?}"
        )))
        }
    })
}

fn fit_out(py: Python<'_>, model: Model) -> FitOut<'_> {
    let labels: Vec<i32> = model.labels().iter().map(|&l| l as i32).collect();
    (
        model.centroids.into_pyarray(py),
        labels.into_pyarray(py),
        model.inertia,
        model.n_iter,
        model.converged,
        model.warnings,
    )
}

/// Exact k-means fit (`kmkit_core::KMeans`), GIL released.
#[pyfunction]
#[pyo3(signature = (x, sample_weight, n_clusters, init, init_centroids, n_init, max_iter, tol, algorithm, seed, threads, refine))]
#[allow(clippy::too_many_arguments)]
fn kmeans_fit<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    sample_weight: Option<PyReadonlyArray1<'py, f32>>,
    n_clusters: usize,
    init: &str,
    init_centroids: Option<PyReadonlyArray2<'py, f32>>,
    n_init: Option<usize>,
    max_iter: usize,
    tol: f64,
    algorithm: &str,
    seed: u64,
    threads: usize,
    refine: bool,
) -> PyResult<FitOut<'py>> {
    let mut params = KMeans::params(n_clusters)
        .init(parse_init(init, init_centroids)?)
        .max_iter(max_iter)
        .tol(tol)
        .algorithm(parse_algorithm(algorithm)?)
        .seed(seed)
        .threads(threads)
        .refine(refine);
    params.n_init = n_init;
    let x = XData::new(&x)?;
    let w = input::weights(&sample_weight);
    let model = py
        .allow_threads(|| params.fit(x.input(w.as_deref())))
        .map_err(err)?;
    Ok(fit_out(py, model))
}

/// Mini-batch k-means parameters from the Python arguments.
#[allow(clippy::too_many_arguments)]
pub(crate) fn minibatch_params(
    n_clusters: usize,
    init: &str,
    init_centroids: Option<PyReadonlyArray2<'_, f32>>,
    n_init: Option<usize>,
    max_iter: usize,
    tol: f64,
    seed: u64,
    threads: usize,
    batch_size: usize,
    init_size: Option<usize>,
    reassignment_ratio: f64,
    max_no_improvement: Option<usize>,
    compute_labels: bool,
) -> PyResult<MiniBatchParams> {
    let mut params = MiniBatchKMeans::params(n_clusters)
        .init(parse_init(init, init_centroids)?)
        .max_iter(max_iter)
        .tol(tol)
        .seed(seed)
        .threads(threads)
        .batch_size(batch_size)
        .reassignment_ratio(reassignment_ratio)
        .max_no_improvement(max_no_improvement)
        .compute_labels(compute_labels);
    if let Some(n) = n_init {
        params = params.n_init(n);
    }
    if let Some(s) = init_size {
        params = params.init_size(s);
    }
    Ok(params)
}

/// Mini-batch k-means fit (`kmkit_core::MiniBatchKMeans`), GIL released:
/// the fit's outputs and the stream it leaves (for `partial_fit` after `fit`).
#[pyfunction]
#[pyo3(signature = (x, sample_weight, n_clusters, init, init_centroids, n_init, max_iter, tol, seed, threads, batch_size, init_size, reassignment_ratio, max_no_improvement, compute_labels))]
#[allow(clippy::too_many_arguments)]
fn minibatch_fit<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    sample_weight: Option<PyReadonlyArray1<'py, f32>>,
    n_clusters: usize,
    init: &str,
    init_centroids: Option<PyReadonlyArray2<'py, f32>>,
    n_init: Option<usize>,
    max_iter: usize,
    tol: f64,
    seed: u64,
    threads: usize,
    batch_size: usize,
    init_size: Option<usize>,
    reassignment_ratio: f64,
    max_no_improvement: Option<usize>,
    compute_labels: bool,
) -> PyResult<(FitOut<'py>, stream::MiniBatchStream)> {
    let params = minibatch_params(
        n_clusters,
        init,
        init_centroids,
        n_init,
        max_iter,
        tol,
        seed,
        threads,
        batch_size,
        init_size,
        reassignment_ratio,
        max_no_improvement,
        compute_labels,
    )?;
    let x = XData::new(&x)?;
    let w = input::weights(&sample_weight);
    let (model, stream) = py
        .allow_threads(|| params.fit_stream(x.input(w.as_deref())))
        .map_err(err)?;
    Ok((
        fit_out(py, model),
        stream::MiniBatchStream::from_core(stream),
    ))
}

fn model_of(centroids: PyReadonlyArray2<'_, f32>) -> PyResult<Model> {
    Model::from_centroids(
        centroids.as_array().to_owned(),
        kmkit_core::Metric::Euclidean,
    )
    .map_err(err)
}

/// Nearest centroid and squared distance to it of every row, GIL released.
#[pyfunction]
#[pyo3(signature = (x, centroids, threads=0))]
fn assign<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    centroids: PyReadonlyArray2<'py, f32>,
    threads: usize,
) -> PyResult<Assigned<'py>> {
    let mut model = model_of(centroids)?;
    model.params.threads = threads;
    let x = XData::new(&x)?;
    let (labels, dists) = py
        .allow_threads(|| model.assign(x.input(None)))
        .map_err(err)?;
    let labels: Vec<i32> = labels.into_iter().map(|l| l as i32).collect();
    Ok((labels.into_pyarray(py), dists.into_pyarray(py)))
}

/// Euclidean distance of every row to every centroid (`n × k`), GIL released.
#[pyfunction]
fn transform<'py>(
    py: Python<'py>,
    x: XArg<'py>,
    centroids: PyReadonlyArray2<'py, f32>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let model = model_of(centroids)?;
    let x = XData::new(&x)?;
    let out: Array2<f32> = py
        .allow_threads(|| model.transform(x.input(None)))
        .map_err(err)?;
    Ok(out.into_pyarray(py))
}

/// The extension module.
#[pymodule]
fn _kmkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(kmeans_fit, m)?)?;
    m.add_function(wrap_pyfunction!(minibatch_fit, m)?)?;
    m.add_function(wrap_pyfunction!(assign, m)?)?;
    m.add_function(wrap_pyfunction!(transform, m)?)?;
    distributed::register(m)?;
    m.add_class::<stream::MiniBatchStream>()?;
    Ok(())
}
